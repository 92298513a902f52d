//! `sync`: photos up, queued operations pushed, changes pulled; a progress line on
//! a terminal and one summary line after.

use std::io::{IsTerminal, Write};

use gridfield_core::sync::{CancelHandle, SyncObserver, SyncPhase, SyncProgress};
use gridfield_core::{Lang, Store};

use crate::Cli;
use crate::catalog::Msg;
use crate::out::{self, Outcome};

/// A progress line on stderr, only when a person is watching.
struct ProgressLine {
    lang: Lang,
}

impl SyncObserver for ProgressLine {
    fn on_progress(&self, p: &SyncProgress) {
        let l = self.lang;
        let phase = match p.phase {
            SyncPhase::Photos => Msg::PhaseUploadingPhotos,
            SyncPhase::Push => Msg::PhasePushing,
            SyncPhase::Pull => Msg::PhasePulling,
            SyncPhase::Done => Msg::PhaseDone,
        };
        let count = if p.total > 0 {
            format!("{}/{}", p.done, p.total)
        } else {
            p.done.to_string()
        };
        let kb = |b: u64| format!("{:.1}", b as f64 / 1024.0);
        let mut e = std::io::stderr().lock();
        let _ = write!(
            e,
            "\r\x1b[2K{}{}{} {count}  ↑{} KB ↓{} KB",
            Msg::SyncLabel.text(l),
            l.pick("：", ": "),
            phase.text(l),
            kb(p.bytes_up),
            kb(p.bytes_down)
        );
        if p.phase == SyncPhase::Done {
            let _ = write!(e, "\r\x1b[2K");
        }
        let _ = e.flush();
    }
}

pub fn sync(cli: &Cli, store: &Store, lang: Lang) -> Outcome<()> {
    let cancel = CancelHandle::new();
    let line = ProgressLine { lang };
    let observer: Option<&dyn SyncObserver> = if !cli.json && std::io::stderr().is_terminal() {
        Some(&line)
    } else {
        None
    };
    let result = gridfield_core::sync::sync(store, observer, &cancel);
    if observer.is_some() {
        eprint!("\r\x1b[2K");
    }
    let report = result?;
    if cli.json {
        out::json(&report);
        return Ok(());
    }
    let done = Msg::SyncDone {
        pushed: report.pushed as u64,
        duplicates: report.duplicates as u64,
        rejected: report.rejected.len(),
        conflicts: report.conflicts as u64,
        pulled: report.pulled as u64,
        photos: report.photos_uploaded as u64,
    };
    println!("{}", done.text(lang));
    if report.waiting_photos > 0 || report.photos_failed > 0 {
        let waiting = Msg::WaitingPhotos {
            waiting: report.waiting_photos as u64,
            failed: report.photos_failed as u64,
        };
        println!("  {}", waiting.text(lang));
    }
    for r in &report.rejected {
        let msg = if lang.is_en() {
            r.message_en.as_deref().unwrap_or(&r.message)
        } else {
            &r.message
        };
        println!("  ✘ {} {} — {msg} [{}]", r.entity, r.entity_id, r.code);
    }
    for l in &report.lost {
        let lost = Msg::EditLost {
            entity: l.entity.to_string(),
            id: l.entity_id.to_string(),
            fields: l.fields.join(", "),
        };
        println!("  ⚠ {}", lost.text(lang));
    }
    if report.server_restored {
        let n = report.reuploaded as u64;
        println!("  {}", Msg::ServerRestoredReuploaded { n }.text(lang));
    }
    Ok(())
}
