//! Door plates (数字门牌): trusting an issuer's key and verifying a scanned plate
//! offline.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use gridfield_core::plate::{IssuerPublicKey, VerdictKind};
use gridfield_core::{Lang, Store};

use crate::Cli;
use crate::catalog::Msg;
use crate::out::{self, Outcome};

#[derive(Args)]
pub struct TrustIssuerArgs {
    public_key: String,
}

#[derive(Args)]
pub struct ScanArgs {
    payload: Option<String>,
    #[arg(long)]
    file: Option<PathBuf>,
}

pub fn trust_issuer(cli: &Cli, store: &Store, lang: Lang, a: &TrustIssuerArgs) -> Outcome<()> {
    let k = IssuerPublicKey::from_hex(&a.public_key)?;
    store.trust_issuer(k)?;
    if cli.json {
        out::json(&serde_json::json!({ "trusted": k.key_id() }));
    } else {
        let key_id = k.key_id().to_string();
        println!("{}", Msg::TrustedIssuer { key_id }.text(lang));
    }
    Ok(())
}

/// Exit code 3 when the plate is not genuine, so scripts can tell.
pub fn scan(cli: &Cli, store: &Store, lang: Lang, a: &ScanArgs) -> Outcome<ExitCode> {
    let text = match (&a.payload, &a.file) {
        (Some(p), _) => p.clone(),
        (None, Some(f)) => fs::read_to_string(f)?,
        (None, None) => return Err(Msg::ScanNeedsPayload.into()),
    };
    let scan = store.scan_plate(&text)?;
    if cli.json {
        out::json(&scan);
    } else if scan.verified {
        let p = scan.plate.as_ref().expect("verified plate has data");
        let serial = p.plate_serial.clone();
        println!("{}", Msg::PlateValid { serial }.text(lang));
        println!("{}", p.address_text);
        if !scan.in_scope {
            println!("{}", Msg::PlateOutOfScope.text(lang));
        } else if let Some(v) = &scan.address {
            out::row(Msg::AddressCode, lang, &v.address.code);
            for e in &v.entities {
                println!("  {} {}", e.kind.label(lang), e.id);
            }
        }
    } else if scan.verdict == VerdictKind::Legacy {
        println!("{}", Msg::PlateLegacy.text(lang));
        if let Some(p) = &scan.plate {
            println!("{}", p.address_text);
            out::row(Msg::AddressCode, lang, &p.address_code);
        }
        if !scan.in_scope {
            println!("{}", Msg::PlateOutOfScope.text(lang));
        }
    } else {
        // The store words the reason in its own language; this run may ask another.
        let reason = match gridfield_core::plate::verify(&text, &store.trusted_issuers()?) {
            Err(e) if lang.is_en() => e.to_string(),
            Err(e) => e.message_zh(),
            Ok(_) => scan.rejection.clone().unwrap_or_default().1,
        };
        eprintln!("{}", Msg::PlateInvalid { reason }.text(lang));
        if let Some(p) = &scan.plate {
            let address = p.address_text.clone();
            eprintln!("{}", Msg::PlateClaims { address }.text(lang));
        }
    }
    Ok(if scan.verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
