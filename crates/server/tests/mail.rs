//! The outbox reaches a real SMTP conversation: a small SMTP server on a local port stands
//! in for the mail relay, the way the simulator stands in for Airtable.

mod common;

use std::sync::{Arc, Mutex};

use console_core::mail::Mailer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// What the relay received: (recipient, whole message) per email.
type Inbox = Arc<Mutex<Vec<(String, String)>>>;

/// A relay that accepts everything, except recipients at `refused.example`.
async fn relay() -> (u16, Inbox) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let inbox: Inbox = Arc::default();
    let kept = inbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let inbox = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 relay.test ESMTP\r\n").await;
                let (mut to, mut data, mut in_data) = (String::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            inbox
                                .lock()
                                .expect("inbox")
                                .push((to.clone(), data.clone()));
                            data.clear();
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 relay.test\r\n"
                    } else if upper.starts_with("RCPT TO") {
                        to = line[8..]
                            .trim()
                            .trim_matches(|c| c == '<' || c == '>')
                            .to_string();
                        if to.ends_with("@refused.example") {
                            b"550 no such mailbox\r\n"
                        } else {
                            b"250 ok\r\n"
                        }
                    } else if upper.starts_with("DATA") {
                        in_data = true;
                        b"354 go on\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, inbox)
}

#[tokio::test]
async fn the_outbox_is_delivered_once_and_refusals_are_kept_with_their_error() {
    let (port, inbox) = relay().await;
    let (db, url) = common::fresh_database("mail_test").await;
    for (to, subject) in [
        ("bob@corp.example", "Approval needed: Delete a user"),
        ("nobody@refused.example", "Done: Delete a user"),
    ] {
        sqlx::query("INSERT INTO outbox (to_email, subject, body) VALUES ($1, $2, 'Review it here: https://console.example/approvals/1')")
            .bind(to)
            .bind(subject)
            .execute(&db)
            .await
            .expect("queue");
    }
    let mailer = Mailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        "Airtable Console <console@corp.example>",
    )
    .expect("mailer");

    assert_eq!(mailer.deliver_pending(&db).await.expect("deliver"), 1);
    {
        let received = inbox.lock().expect("inbox");
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].0, "bob@corp.example");
        assert!(
            received[0]
                .1
                .contains("Subject: Approval needed: Delete a user"),
            "{}",
            received[0].1
        );
        assert!(
            received[0]
                .1
                .contains("From: \"Airtable Console\" <console@corp.example>")
                || received[0]
                    .1
                    .contains("From: Airtable Console <console@corp.example>"),
            "{}",
            received[0].1
        );
        assert!(received[0]
            .1
            .contains("https://console.example/approvals/1"));
    }
    // A second round sends nothing twice; the refused one is retried and keeps its error.
    assert_eq!(mailer.deliver_pending(&db).await.expect("deliver"), 0);
    assert_eq!(inbox.lock().expect("inbox").len(), 1);
    let (attempts, error): (i32, Option<String>) = sqlx::query_as(
        "SELECT attempts, last_error FROM outbox WHERE to_email = 'nobody@refused.example'",
    )
    .fetch_one(&db)
    .await
    .expect("row");
    assert_eq!(attempts, 2);
    assert!(error.unwrap_or_default().contains("refused"));
    for _ in 0..5 {
        mailer.deliver_pending(&db).await.expect("deliver");
    }
    let attempts: i32 =
        sqlx::query_scalar("SELECT attempts FROM outbox WHERE to_email = 'nobody@refused.example'")
            .fetch_one(&db)
            .await
            .expect("row");
    assert_eq!(attempts, 5, "it gives up after five attempts");
    db.close().await;
    use sqlx::migrate::MigrateDatabase;
    let _ = sqlx::Postgres::force_drop_database(&url).await;
}

#[test]
fn a_bad_smtp_address_is_refused_without_echoing_the_password() {
    let error = Mailer::new("gopher://user:hunter2@mail", "console@corp.example")
        .err()
        .expect("refused");
    assert!(!error.to_string().contains("hunter2"), "{error}");
}
