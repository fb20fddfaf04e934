//! Fieldless enums listed in a table (`BULK_KINDS`, `ITEM_STATUSES`, `SORTS`): each value
//! with the name it is stored (or put in URLs) under and the words people read.

/// One row of such a table: the value, its stored name, its label.
type Row<T> = (T, &'static str, &'static str);

/// The name `value` is stored under.
pub(crate) fn name_of<T: PartialEq>(table: &[Row<T>], value: T) -> Option<&'static str> {
    table.iter().find(|(t, _, _)| *t == value).map(|row| row.1)
}

/// What people read for `value`.
pub(crate) fn label_of<T: PartialEq>(table: &[Row<T>], value: T) -> Option<&'static str> {
    table.iter().find(|(t, _, _)| *t == value).map(|row| row.2)
}

/// The value stored under `name`.
pub(crate) fn value_named<T: Copy>(table: &[Row<T>], name: &str) -> Option<T> {
    table.iter().find(|(_, n, _)| *n == name).map(|row| row.0)
}
