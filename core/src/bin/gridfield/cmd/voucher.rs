//! Vouchers (代金券): a volunteer issues one offline against the balance the
//! server last confirmed; a shop verifies one offline (`voucher verify`, with the
//! city's issuer key or a device store's trusted keys, no enrollment needed).

use std::process::ExitCode;

use clap::{Args, Subcommand};
use gridfield_core::plate::IssuerPublicKey;
use gridfield_core::points::voucher;
use gridfield_core::{Lang, Store};

use crate::Cli;
use crate::catalog::Msg;
use crate::device::open_store;
use crate::out::{self, Outcome, fmt_time};

#[derive(Subcommand)]
pub enum VoucherCmd {
    Issue(IssueArgs),
    Verify(VerifyArgs),
}

#[derive(Args)]
pub struct IssueArgs {
    #[arg(long)]
    amount: i64,
    #[arg(long)]
    shop: Option<String>,
    #[arg(long, default_value_t = 30)]
    days: i64,
}

#[derive(Args)]
pub struct VerifyArgs {
    payload: String,
    #[arg(long)]
    shop: Option<String>,
    #[arg(long)]
    issuer_key: Vec<String>,
}

pub fn issue(cli: &Cli, store: &Store, lang: Lang, a: &IssueArgs) -> Outcome<()> {
    let days = a.days.clamp(1, 365);
    let v = store.issue_voucher(a.amount, a.shop.as_deref(), days * 24 * 3600 * 1000)?;
    if cli.json {
        out::json(&v);
    } else {
        println!(
            "{}",
            Msg::VoucherIssued {
                id: v.id.clone(),
                amount: v.amount,
                expires: fmt_time(v.expires_at),
            }
            .text(lang)
        );
        println!("{}", v.token);
    }
    Ok(())
}

/// Verify offline. Runs without a device store when `--issuer-key` is given (a
/// shop without our app); otherwise with the store's trusted issuers.
pub fn verify(cli: &Cli, lang: Option<Lang>, a: &VerifyArgs) -> Outcome<ExitCode> {
    let (trusted, lang) = if a.issuer_key.is_empty() {
        let store = open_store(&cli.data)?;
        let lang = match lang {
            Some(l) => l,
            None => store.lang()?,
        };
        (store.trusted_issuers()?, lang)
    } else {
        let keys = a
            .issuer_key
            .iter()
            .map(|k| IssuerPublicKey::from_hex(k))
            .collect::<Result<Vec<_>, _>>()?;
        (keys, lang.unwrap_or_default())
    };
    let now = gridfield_core::store::now_ms();
    let r = voucher::verify(&a.payload, &trusted, now, a.shop.as_deref());
    if cli.json {
        out::json(&match &r {
            Ok(v) => serde_json::json!({ "valid": true, "voucher": v }),
            Err(e) => serde_json::json!({
                "valid": false, "code": e.code(), "message": e.message(lang),
            }),
        });
    } else {
        match &r {
            Ok(v) => println!(
                "{}",
                Msg::VoucherGood {
                    id: v.id.clone(),
                    amount: v.amount,
                    expires: fmt_time(v.expires_at),
                }
                .text(lang)
            ),
            Err(e) => eprintln!(
                "{}",
                Msg::VoucherBad {
                    reason: e.message(lang).into()
                }
                .text(lang)
            ),
        }
    }
    Ok(if r.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
