//! The console's texts for readable records: the conflict log's columns and its
//! "keep the other value" action, and the phrases an audit row is said with.
//! A phrase holds `{0}` ([`RECORD`]) where the record it names goes (the page makes that part
//! a link); field labels, kinds and statuses come from the core.

use gridfield_core::i18n::Lang;

/// Where a phrase names its record.
pub const RECORD: &str = "{0}";

#[derive(Debug, Clone, PartialEq)]
pub enum RecordsMsg {
    /// The console itself as the "device" a console user acted on.
    TheConsole,
    /// A device the server no longer knows by name.
    UnnamedDevice,
    /// A record the row does not name by kind.
    ARecord,
    /// A field the core does not declare.
    AField,
    Sentence,
    Open,
    Current,
    Values,
    KeepOther,
    KeptOther,
    MayNotResolve,
    ConflictGone,
    /// "{actor} on {device}" before what was done.
    On {
        actor: String,
        device: String,
    },
    /// One changed field: its label, the value before and after (`None`: the
    /// audit row does not keep personal text, only that it changed).
    Clause {
        field: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// A single field changed from one value to another, said whole.
    ChangedOne {
        field: String,
        from: String,
        to: String,
    },
    /// Several fields changed (`clauses` already in this language).
    Changed {
        clauses: Vec<String>,
    },
    /// What a keep-the-other-value write adds at the end.
    KeepingOther,
    HazardStep {
        step: String,
    },
    /// A reviewer's comment after the sentence.
    WithComment {
        text: String,
    },
    Revealed {
        field: String,
    },
    Exported {
        rows: Option<i64>,
    },
    AuditExported {
        rows: Option<i64>,
    },
    /// An action with a fixed phrase (the audit row's `action`).
    Did(&'static str),
}

/// The fixed phrases by audit action; `{0}` is the record.
const DID: &[(&str, &str, &str)] = &[
    ("entity_upsert", "修改了 {0}", "edited {0}"),
    ("inspection_submit", "提交了 {0}", "submitted {0}"),
    ("inspection_approve", "审核通过了 {0}", "approved {0}"),
    ("inspection_return", "退回了 {0}", "returned {0}"),
    ("inspection_review", "审核了 {0}", "reviewed {0}"),
    ("hazard_create", "上报了 {0}", "reported {0}"),
    ("hazard_step", "推进了 {0} 的处理", "took a step on {0}"),
    ("report_create", "提交了 {0}", "filed {0}"),
    ("report_accept", "受理了 {0}", "accepted {0}"),
    ("report_dismiss", "驳回了 {0}", "dismissed {0}"),
    (
        "report_category",
        "更改了 {0} 的类别",
        "changed the category of {0}",
    ),
    ("case_create", "登记了 {0}", "registered {0}"),
    ("case_step", "推进了 {0} 的处理", "took a step on {0}"),
    (
        "rejected",
        "对 {0} 的修改被服务器拒绝",
        "had a change to {0} refused",
    ),
    ("console_login", "登录了控制台", "signed in to the console"),
    (
        "console_login_failed",
        "登录控制台未成功",
        "failed to sign in to the console",
    ),
    (
        "console_password",
        "设置了控制台密码",
        "set a console password",
    ),
    ("enroll", "登记了一台设备", "enrolled a device"),
    (
        "enroll_code",
        "生成了设备登记码",
        "issued an enrollment code",
    ),
    (
        "enroll_failed",
        "登记设备未成功",
        "failed to enroll a device",
    ),
    ("revoke", "停用了一台设备", "revoked a device"),
    (
        "device_cloned",
        "的登记被另一安装共用，已拒绝",
        "had its enrollment used by a second installation, refused",
    ),
    ("clock_corrected", "的时钟已校正", "had its clock corrected"),
    (
        "clock_skew",
        "的时钟超前，已改用服务器时间",
        "had a clock far ahead and was restamped",
    ),
    (
        "reupload",
        "重新上传了服务器丢失的数据",
        "re-uploaded what the server lost",
    ),
    (
        "restore_recorded",
        "记录了一次服务器恢复",
        "recorded a server restore",
    ),
    (
        "template_publish",
        "发布了检查表模板",
        "published a checklist template",
    ),
    (
        "template_retire",
        "停用了检查表模板",
        "retired a checklist template",
    ),
    (
        "visit_rules_load",
        "载入了走访规则",
        "loaded the visit rules",
    ),
    ("taxonomy_add", "在分类中新增了一项", "added a category"),
    ("taxonomy_retire", "停用了一个分类", "retired a category"),
    ("points_approve", "批准了一笔积分", "approved points"),
    ("points_adjust", "调整了积分", "adjusted points"),
    ("voucher_redeem", "兑换了一张代金券", "redeemed a voucher"),
    (
        "voucher_double_spend",
        "发现一张代金券被重复使用",
        "caught a voucher spent twice",
    ),
    ("other", "处理了 {0}", "acted on {0}"),
];

impl RecordsMsg {
    /// The fixed phrase of an audit action (`other` when it has none).
    pub fn did(action: &str) -> RecordsMsg {
        let key = DID
            .iter()
            .find(|(a, _, _)| *a == action)
            .map_or("other", |(a, _, _)| a);
        RecordsMsg::Did(key)
    }

    pub fn text(&self, lang: Lang) -> String {
        use RecordsMsg::*;
        let zh = lang == Lang::Zh;
        let (z, e) = match self {
            TheConsole => ("控制台", "the console"),
            UnnamedDevice => ("未命名的设备", "an unnamed device"),
            ARecord => ("一条记录", "a record"),
            AField => ("一个字段", "a field"),
            Sentence => ("经过", "What happened"),
            Open => ("查看", "open"),
            Current => ("当前值", "Current value"),
            Values => ("两个值", "The two values"),
            KeepOther => ("保留另一值", "Keep the other value"),
            KeptOther => (
                "已保留另一值；各设备下次同步时收到。",
                "The other value is kept; devices receive it at their next sync.",
            ),
            MayNotResolve => (
                "只有网格长和管理员可以处理本辖区的冲突。",
                "Only supervisors and administrators resolve conflicts, in their own grids.",
            ),
            ConflictGone => (
                "该冲突已不存在或不在您的辖区。",
                "That conflict does not exist or is outside your grids.",
            ),
            KeepingOther => (
                "（保留冲突中被覆盖的值）",
                " (keeping the value a conflict overwrote)",
            ),
            On { actor, device } => {
                return if zh {
                    format!("{actor} 在 {device} 上")
                } else {
                    format!("{actor} on {device}")
                };
            }
            Clause { field, from, to } => {
                return match (from.as_deref(), to.as_deref(), zh) {
                    (Some(""), Some(t), true) => format!("{field} 设为 {t}"),
                    (Some(""), Some(t), false) => format!("{field} set to {t}"),
                    (Some(_), Some(""), true) => format!("{field} 已清空"),
                    (Some(_), Some(""), false) => format!("{field} cleared"),
                    (Some(f), Some(t), true) => format!("{field} 由 {f} 改为 {t}"),
                    (Some(f), Some(t), false) => format!("{field} from {f} to {t}"),
                    (_, _, true) => format!("{field} 已修改"),
                    (_, _, false) => format!("{field} changed"),
                };
            }
            ChangedOne { field, from, to } => {
                return if zh {
                    format!("将 {{0}} 的 {field} 由 {from} 改为 {to}")
                } else {
                    format!("changed the {field} of {{0}} from {from} to {to}")
                };
            }
            Changed { clauses } => {
                return if zh {
                    format!("修改了 {{0}}：{}", clauses.join("；"))
                } else {
                    format!("changed {{0}}: {}", clauses.join("; "))
                };
            }
            HazardStep { step } => {
                return if zh {
                    format!("对 {{0}} 执行了“{step}”")
                } else {
                    format!("took the step \"{step}\" on {{0}}")
                };
            }
            WithComment { text } => {
                return if zh {
                    format!("，意见：{text}")
                } else {
                    format!(", with the comment: {text}")
                };
            }
            Revealed { field } => {
                return if zh {
                    format!("查看了 {{0}} 的完整{field}")
                } else {
                    format!("revealed the full {field} of {{0}}")
                };
            }
            Exported { rows } => {
                return match (rows, zh) {
                    (Some(n), true) => format!("导出了数据（{n} 行）"),
                    (Some(n), false) => format!("exported data ({n} rows)"),
                    (None, true) => "导出了数据".into(),
                    (None, false) => "exported data".into(),
                };
            }
            AuditExported { rows } => {
                return match (rows, zh) {
                    (Some(n), true) => format!("导出了审计记录（{n} 行）"),
                    (Some(n), false) => format!("exported the audit trail ({n} rows)"),
                    (None, true) => "导出了审计记录".into(),
                    (None, false) => "exported the audit trail".into(),
                };
            }
            Did(key) => {
                let (_, z, e) = DID
                    .iter()
                    .find(|(a, _, _)| a == key)
                    .copied()
                    .unwrap_or(DID[DID.len() - 1]);
                (z, e)
            }
        };
        lang.pick(z, e).to_string()
    }

    /// Every message with sample parameters, for the catalog's language test.
    pub fn samples() -> Vec<RecordsMsg> {
        use RecordsMsg::*;
        let clause = |from: Option<&str>, to: Option<&str>| Clause {
            field: String::new(),
            from: from.map(String::from),
            to: to.map(String::from),
        };
        let mut all = vec![
            TheConsole,
            UnnamedDevice,
            ARecord,
            AField,
            Sentence,
            Open,
            Current,
            Values,
            KeepOther,
            KeptOther,
            MayNotResolve,
            ConflictGone,
            KeepingOther,
            On {
                actor: "1".into(),
                device: "2".into(),
            },
            clause(Some(""), Some("1")),
            clause(Some("1"), Some("")),
            clause(Some("1"), Some("2")),
            clause(None, None),
            ChangedOne {
                field: String::new(),
                from: "1".into(),
                to: "2".into(),
            },
            Changed {
                clauses: vec!["1".into(), "2".into()],
            },
            HazardStep {
                step: String::new(),
            },
            Revealed {
                field: String::new(),
            },
            WithComment { text: "1".into() },
            Exported { rows: Some(3) },
            Exported { rows: None },
            AuditExported { rows: Some(3) },
            AuditExported { rows: None },
        ];
        all.extend(DID.iter().map(|(a, _, _)| Did(a)));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phrase_is_pure_in_both_languages() {
        for m in RecordsMsg::samples() {
            let zh = m.text(Lang::Zh).replace(RECORD, "");
            let en = m.text(Lang::En).replace(RECORD, "");
            gridfield_core::i18n::assert_languages_pure(&format!("{m:?}"), &zh, &en);
        }
    }

    #[test]
    fn unknown_actions_get_the_general_phrase() {
        assert_eq!(
            RecordsMsg::did("something_new").text(Lang::En),
            "acted on {0}"
        );
        assert_eq!(RecordsMsg::did("enroll").text(Lang::Zh), "登记了一台设备");
    }
}
