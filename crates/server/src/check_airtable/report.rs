//! What `check-airtable` found: one line per check, and what the console would do.

use std::fmt;

/// What became of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Works, but something deserves a look; does not fail the run.
    Warn,
    Fail,
    /// Not checked (and why is in the detail).
    Skip,
}

impl Outcome {
    /// The label at the start of the check's line, all four the same width.
    pub(super) fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok  ",
            Outcome::Warn => "warn",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "skip",
        }
    }
}

/// What a check is about (one line each, in this order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// Which mode the settings select.
    Mode,
    /// Client id and secret, and the redirect URL derived from `CONSOLE_PUBLIC_URL`.
    OAuthClient,
    /// Airtable's authorization page, asked exactly as a sign-in would ask it.
    AuthorizePage,
    /// Airtable's token endpoint: does it accept the client id and secret?
    ClientSecret,
    /// `whoami` with `AIRTABLE_SERVICE_TOKEN`.
    ServiceToken,
    /// `GET` the enterprise account `AIRTABLE_ENTERPRISE_ID`.
    Enterprise,
    /// The scopes the console reads with.
    Scopes,
    /// The scopes only a change could prove (personal access tokens).
    WriteScopes,
    /// One page of the audit log.
    AuditLog,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub subject: Subject,
    pub outcome: Outcome,
    /// The line's text: a plain sentence saying what was found and, on failure, what to do.
    pub detail: String,
}

/// Everything `check-airtable` found, and what the console would do with these settings.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub checks: Vec<Check>,
    /// Scopes the console needs that the service token was shown to lack, in the order of
    /// the README's scope table.
    pub missing_scopes: Vec<&'static str>,
    /// Scopes that could not be checked (they need a change, or a read could not tell).
    pub unchecked_scopes: Vec<&'static str>,
    /// Airtable answered 429 to the service token: the checks after it were not made.
    pub rate_limited: bool,
    /// "What the console would do", one sentence a line.
    pub plan: Vec<String>,
}

impl Report {
    /// No check failed (warnings and skipped checks pass).
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.outcome != Outcome::Fail)
    }

    /// The process's exit status: 0 when every check passed, 1 when one failed. (2, could
    /// not run, is for errors before there is a report.)
    pub fn exit_code(&self) -> u8 {
        if self.passed() {
            0
        } else {
            1
        }
    }

    /// The check about `subject`, if it was made or skipped.
    pub fn check(&self, subject: Subject) -> Option<&Check> {
        self.checks.iter().find(|c| c.subject == subject)
    }

    pub(super) fn push(&mut self, subject: Subject, outcome: Outcome, detail: impl Into<String>) {
        self.checks.push(Check {
            subject,
            outcome,
            detail: detail.into(),
        });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Checking the console's Airtable settings (nothing is changed)"
        )?;
        writeln!(f)?;
        for check in &self.checks {
            writeln!(f, "{} {}", check.outcome.label(), check.detail)?;
        }
        writeln!(f)?;
        writeln!(f, "What the console would do")?;
        for line in &self.plan {
            writeln!(f, "  - {line}")?;
        }
        writeln!(f)?;
        let failed = self
            .checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail)
            .count();
        match failed {
            0 => write!(f, "Every check passed.")?,
            1 => write!(f, "1 check failed.")?,
            n => write!(f, "{n} checks failed.")?,
        }
        writeln!(f)
    }
}
