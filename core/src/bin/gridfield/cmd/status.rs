//! What this device is and what waits on it: `status`, `diagnostics` (the sync
//! state) and `outbox` (operations not yet pushed).

use clap::Args;
use gridfield_core::{Lang, Store};

use crate::Cli;
use crate::catalog::Msg;
use crate::out::{self, Outcome, fmt_time, row};

#[derive(Args)]
pub struct OutboxArgs {
    #[arg(long, default_value_t = 100)]
    limit: u32,
}

pub fn status(cli: &Cli, store: &Store, lang: Lang) -> Outcome<()> {
    let id = store.identity();
    let status = serde_json::json!({
        "device_id": id.device_id, "user": id.user, "role": id.role, "grid_scope": id.grid_scope,
        "outbox": store.outbox_len()?, "pending_photos": store.pending_photos()?.len(),
        "trusted_issuers": store.trusted_issuers()?.iter().map(|k| k.key_id()).collect::<Vec<_>>(),
    });
    if cli.json {
        out::json(&status);
    } else {
        let device = format!("{} ({})", id.device_id, id.role.label(lang));
        row(Msg::Device, lang, device);
        row(Msg::User, lang, &id.user);
        row(Msg::Grid, lang, &id.grid_scope);
        row(Msg::QueuedOps, lang, &status["outbox"]);
    }
    Ok(())
}

pub fn diagnostics(cli: &Cli, store: &Store, lang: Lang) -> Outcome<()> {
    let d = gridfield_core::sync::diagnostics(store)?;
    if cli.json {
        out::json(&d);
        return Ok(());
    }
    let none = Msg::Nothing.text(lang);
    let server = match &d.server_url {
        Some(url) => url.clone(),
        None => Msg::NotEnrolled.text(lang),
    };
    row(Msg::Server, lang, server);
    row(Msg::DeviceId, lang, &d.device_id);
    row(Msg::QueuedOps, lang, d.queue_depth);
    row(Msg::PhotosToUpload, lang, d.pending_photos);
    let last = d.last_success.map(fmt_time);
    row(Msg::LastSync, lang, last.unwrap_or_else(|| none.clone()));
    match &d.last_error {
        Some(e) => {
            let message = if lang.is_en() {
                &e.message_en
            } else {
                &e.message
            };
            let text = format!("{} [{}] {message}", fmt_time(e.at), e.code);
            row(Msg::LastError, lang, text);
        }
        None => row(Msg::LastError, lang, &none),
    }
    row(Msg::Cursor, lang, d.cursor.as_deref().unwrap_or(&none));
    row(
        Msg::ClockCorrection,
        lang,
        format!("{} ms", d.clock_offset_ms),
    );
    if d.needs_reenroll {
        println!("{}", Msg::NeedsReenroll.text(lang));
    }
    if let Some(r) = &d.last_recovery {
        let at = fmt_time(r.at);
        let requeued = r.requeued;
        println!("{}", Msg::ServerRestoredAt { at, requeued }.text(lang));
    }
    Ok(())
}

pub fn outbox(cli: &Cli, store: &Store, lang: Lang, a: &OutboxArgs) -> Outcome<()> {
    let entries = store.outbox(a.limit)?;
    if cli.json {
        out::json(&serde_json::json!({ "count": store.outbox_len()?, "entries": entries }));
        return Ok(());
    }
    row(Msg::QueuedOps, lang, store.outbox_len()?);
    for e in entries {
        println!(
            "  #{} {} {} {} {}",
            e.seq,
            fmt_time(e.created_at),
            e.op.type_name(),
            e.entity,
            e.entity_id
        );
    }
    Ok(())
}
