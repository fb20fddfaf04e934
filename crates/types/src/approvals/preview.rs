//! What an action would touch ([`Preview`]), and the request-time preview against the one
//! computed now ([`ComparedPreview`]), as the approver sees it.

use serde::{Deserialize, Serialize};

/// What an action would touch, as the console found it: facts and lists. Shown to the
/// requester and recomputed for the approver, who sees what changed in between.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// Whether the target exists now.
    pub target_exists: bool,
    pub facts: Vec<(String, String)>,
    pub lists: Vec<PreviewList>,
    /// Why Airtable would refuse this call now, in words, with what can be done instead
    /// (an external collaborator cannot be deactivated; a removal that leaves a workspace
    /// without an owner needs a replacement). A request is refused at once when this is
    /// set, rather than failing after a second person approved it. Absent in requests
    /// stored before it existed.
    #[serde(default)]
    pub refused: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewList {
    pub title: String,
    pub items: Vec<String>,
}

/// How a part of the preview changed since the request was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    Same,
    Added,
    Removed,
    Changed,
}

/// A preview line as the approver sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparedLine {
    pub text: String,
    pub change: Change,
}

/// A list of the preview as the approver sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparedList {
    pub title: String,
    pub items: Vec<ComparedLine>,
}

/// The request-time preview against the one computed now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparedPreview {
    pub target_exists: bool,
    pub facts: Vec<ComparedLine>,
    pub lists: Vec<ComparedList>,
    /// Whether anything differs.
    pub changed: bool,
}

impl Preview {
    /// `self` is the preview at request time, `now` the one computed now.
    pub fn compare(&self, now: &Preview) -> ComparedPreview {
        let mut changed = self.target_exists != now.target_exists;
        let mut facts = Vec::new();
        for (name, value) in &now.facts {
            let change = match self.facts.iter().find(|(n, _)| n == name) {
                Some((_, before)) if before == value => Change::Same,
                Some((_, before)) => {
                    facts.push(ComparedLine {
                        text: format!("{name}: {value} (was {before})"),
                        change: Change::Changed,
                    });
                    changed = true;
                    continue;
                }
                None => Change::Added,
            };
            changed |= change != Change::Same;
            facts.push(ComparedLine {
                text: format!("{name}: {value}"),
                change,
            });
        }
        for (name, value) in &self.facts {
            if !now.facts.iter().any(|(n, _)| n == name) {
                changed = true;
                facts.push(ComparedLine {
                    text: format!("{name}: {value}"),
                    change: Change::Removed,
                });
            }
        }
        let mut lists = Vec::new();
        let empty = PreviewList::default();
        let titles = now.lists.iter().map(|l| &l.title).chain(
            self.lists
                .iter()
                .map(|l| &l.title)
                .filter(|t| !now.lists.iter().any(|l| &l.title == *t)),
        );
        for title in titles {
            let before = self
                .lists
                .iter()
                .find(|l| &l.title == title)
                .unwrap_or(&empty);
            let after = now
                .lists
                .iter()
                .find(|l| &l.title == title)
                .unwrap_or(&empty);
            let mut items: Vec<ComparedLine> = after
                .items
                .iter()
                .map(|item| ComparedLine {
                    text: item.clone(),
                    change: if before.items.contains(item) {
                        Change::Same
                    } else {
                        Change::Added
                    },
                })
                .collect();
            items.extend(
                before
                    .items
                    .iter()
                    .filter(|item| !after.items.contains(item))
                    .map(|item| ComparedLine {
                        text: item.clone(),
                        change: Change::Removed,
                    }),
            );
            changed |= items.iter().any(|i| i.change != Change::Same);
            lists.push(ComparedList {
                title: title.clone(),
                items,
            });
        }
        ComparedPreview {
            target_exists: now.target_exists,
            facts,
            lists,
            changed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A preview of an active user who is admin or not and has the workspaces `workspaces`.
    fn preview(admin: &str, workspaces: [&str; 2]) -> Preview {
        Preview {
            target_exists: true,
            facts: vec![
                ("State".into(), "active".into()),
                ("Admin".into(), admin.into()),
            ],
            lists: vec![PreviewList {
                title: "Workspaces".into(),
                items: workspaces.map(String::from).to_vec(),
            }],
            refused: None,
        }
    }

    #[test]
    fn comparing_previews_marks_what_changed() {
        let before = preview("no", ["A", "B"]);
        assert!(!before.compare(&before).changed);
        let now = preview("yes", ["B", "C"]);
        let compared = before.compare(&now);
        assert!(compared.changed);
        assert_eq!(compared.facts[1].change, Change::Changed);
        assert_eq!(compared.facts[1].text, "Admin: yes (was no)");
        let changes: Vec<(String, Change)> = compared.lists[0]
            .items
            .iter()
            .map(|i| (i.text.clone(), i.change))
            .collect();
        assert_eq!(
            changes,
            vec![
                ("B".into(), Change::Same),
                ("C".into(), Change::Added),
                ("A".into(), Change::Removed)
            ]
        );
    }
}
