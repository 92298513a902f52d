//! Cases (事件) through the `gridfield` binary on a real encrypted store, offline:
//! a dispute handled by the grid worker on the spot, mediated, signed and
//! escalated; a supervisor's case accepted, dispatched, returned, handled, finished,
//! verified and evaluated; and bad input refused in Chinese with nothing changed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const GRID: &str = "320583001003";
const GRID_PATH: &str = "/320583/320583001/320583001003/";
const TOWN: &str = "320583001";
const TOWN_PATH: &str = "/320583/320583001/";
const ADDR_501: &str = "320583-001-0012-03-02-0501";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

struct Device {
    dir: tempfile::TempDir,
}

impl Device {
    /// A device initialised offline for `user`, with the test district's grids
    /// and addresses.
    fn new(user: &str, role: &str, grid: &str, extra: &[&str]) -> Device {
        let d = Device {
            dir: tempfile::tempdir().unwrap(),
        };
        let mut args = vec!["init", "--user", user, "--role", role, "--grid", grid];
        args.extend_from_slice(extra);
        d.ok(&args);
        let f = fixtures();
        d.ok(&["import-grids", f.join("grids.csv").to_str().unwrap()]);
        d.ok(&[
            "import-addresses",
            f.join("addresses.csv").to_str().unwrap(),
        ]);
        d
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_gridfield"));
        c.arg("--data").arg(self.dir.path()).args(args);
        c.env_remove("GRIDFIELD_DB_KEY")
            .env_remove("GRIDFIELD_LANG")
            .env_remove("GRIDFIELD_DATA");
        c.output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).unwrap()
    }

    /// Fails with one readable line on stderr.
    fn fails(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(!o.status.success(), "{args:?} unexpectedly succeeded");
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        err
    }

    fn outbox(&self) -> u64 {
        self.json(&["outbox"])["count"].as_u64().unwrap()
    }

    fn show(&self, id: &str) -> Value {
        self.json(&["case", "show", id])
    }
}

fn signature() -> String {
    fixtures()
        .join("signature.png")
        .to_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_worker_settles_a_dispute_on_the_spot_then_escalates_it_offline() {
    let d = Device::new("张网格员", "worker", GRID, &["--grid-path", GRID_PATH]);

    let types = d.json(&["case", "types"]);
    let neighbor = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "dispute.neighbor")
        .expect("the built-in case taxonomy");
    assert_eq!(neighbor["dispute"], true);
    assert!(d.ok(&["case", "types"]).contains("邻里纠纷"));

    // An unknown type is refused in Chinese; nothing is queued.
    let err = d.fails(&["case", "new", "--type", "made.up", "--text", "某事"]);
    assert!(err.contains("事件类型"), "{err}");
    assert_eq!(d.outbox(), 0);

    let made = d.json(&[
        "case",
        "new",
        "--type",
        "dispute.neighbor",
        "--address",
        ADDR_501,
        "--text",
        "楼上楼下噪音纠纷",
        "--subject",
        "夜间噪音",
        "--party",
        "王某:applicant:13800000000",
        "--party",
        "李某:respondent",
        "--handle-myself",
    ]);
    let id = made["id"].as_str().unwrap().to_string();
    assert_eq!(made["status"], "handling");
    assert_eq!(made["owner_path"], GRID_PATH);
    let mine = d.json(&["case", "list", "--mine"]);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert!(
        d.json(&["case", "list", "--overdue"])
            .as_array()
            .unwrap()
            .is_empty()
    );

    let shown = d.show(&id);
    assert_eq!(shown["case"]["grid_path"], GRID_PATH);
    assert_eq!(shown["case"]["parties"].as_array().unwrap().len(), 2);
    assert_eq!(shown["case"]["dispute"]["subject"], "夜间噪音");
    let allowed: Vec<&str> = shown["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    for a in ["mediate", "agree", "feedback", "finish", "escalate"] {
        assert!(allowed.contains(&a), "{a} in {allowed:?}");
    }
    assert!(!allowed.contains(&"accept"), "{allowed:?}");

    d.ok(&[
        "case",
        "mediate",
        &id,
        "--place",
        "社区调解室",
        "--note",
        "双方未能达成一致",
        "--participants",
        "王某,李某",
    ]);
    // An agreement signed by one party only changes nothing.
    let sig = signature();
    let applicant = format!("applicant:王某:{sig}");
    let err = d.fails(&[
        "case",
        "agree",
        &id,
        "--terms",
        "晚十点后不再装修",
        "--signature",
        &applicant,
    ]);
    assert!(err.contains("签名"), "{err}");
    assert_eq!(d.show(&id)["events"].as_array().unwrap().len(), 2);
    assert_eq!(d.outbox(), 2);

    let respondent = format!("respondent:李某:{sig}");
    let mediator = format!("mediator:张网格员:{sig}");
    d.ok(&[
        "case",
        "agree",
        &id,
        "--terms",
        "晚十点后不再装修",
        "--signature",
        &applicant,
        "--signature",
        &respondent,
        "--signature",
        &mediator,
    ]);
    let dispute = &d.show(&id)["case"]["dispute"];
    assert_eq!(dispute["sessions"][0]["place"], "社区调解室");
    assert_eq!(
        dispute["agreement"]["signatures"].as_array().unwrap().len(),
        3
    );

    // Escalation needs a reason, then goes one level up into its queue.
    let err = d.fails(&["case", "step", &id, "escalate"]);
    assert!(err.contains("说明"), "{err}");
    let up = d.json(&[
        "case",
        "step",
        &id,
        "escalate",
        "--note",
        "涉及物业，需镇里协调",
    ]);
    assert_eq!(up["status"], "reported");
    assert_eq!(up["owner_path"], TOWN_PATH);
    // Out of the worker's hands: accepting is for the level's supervisors.
    let err = d.fails(&["case", "step", &id, "accept"]);
    assert!(err.contains("无权"), "{err}");

    let shown = d.show(&id);
    let events = shown["events"].as_array().unwrap();
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(events[3]["action"], "escalate");
    assert_eq!(d.outbox(), 4);
    let text = d.ok(&["case", "show", &id]);
    assert!(
        text.contains("上报上级") && text.contains("待受理"),
        "{text}"
    );
}

#[test]
fn a_supervisor_takes_a_case_round_the_loop() {
    let d = Device::new("镇网格长", "supervisor", TOWN, &[]);
    let err = d.fails(&[
        "case",
        "new",
        "--type",
        "security",
        "--text",
        "夜间有人撬车",
        "--severity",
        "huge",
    ]);
    assert!(err.contains("严重程度"), "{err}");
    let made = d.json(&[
        "case",
        "new",
        "--type",
        "security",
        "--text",
        "夜间有人撬车",
    ]);
    let id = made["id"].as_str().unwrap().to_string();
    // No address: the case is the town's, where a 治安 case starts, in its queue.
    assert_eq!(made["status"], "reported");
    assert_eq!(made["owner_path"], TOWN_PATH);

    d.ok(&["case", "step", &id, "accept"]);
    let err = d.fails(&["case", "step", &id, "dispatch", "--to", "somebody"]);
    assert!(err.contains("分派对象"), "{err}");
    let to = d.json(&[
        "case",
        "step",
        &id,
        "dispatch",
        "--to",
        "department:320583001-police",
    ]);
    assert_eq!(to["status"], "dispatched");
    assert_eq!(to["handler"]["code"], "320583001-police");
    // Only the handler returns a dispatch (with a reason); here the supervisor
    // dispatches it to themself, gives it back, and takes it on again.
    let err = d.fails(&["case", "step", &id, "return", "--note", "不归我们管"]);
    assert!(err.contains("无权"), "{err}");
    d.ok(&["case", "step", &id, "dispatch", "--to", "user:镇网格长"]);
    let back = d.json(&["case", "step", &id, "return", "--note", "需派出所先出警"]);
    assert_eq!(back["status"], "accepted");
    assert!(back["handler"].is_null());
    d.ok(&["case", "step", &id, "dispatch", "--to", "user:镇网格长"]);
    let err = d.fails(&["case", "step", &id, "feedback", "--note", "还没签收"]);
    assert!(err.contains("已分派"), "{err}");
    d.ok(&["case", "step", &id, "receive"]);
    d.ok(&[
        "case",
        "step",
        &id,
        "feedback",
        "--note",
        "已联系派出所巡逻",
    ]);
    d.ok(&["case", "step", &id, "finish", "--note", "已加装监控"]);
    d.ok(&["case", "step", &id, "verify"]);
    let err = d.fails(&["case", "step", &id, "evaluate", "--rating", "great"]);
    assert!(err.contains("评价"), "{err}");
    let err = d.fails(&["case", "step", &id, "evaluate"]);
    assert!(err.contains("满意"), "{err}");
    let done = d.json(&["case", "step", &id, "evaluate", "--rating", "satisfied"]);
    assert_eq!(done["status"], "evaluated");
    let shown = d.show(&id);
    assert_eq!(shown["case"]["rating"]["score"], "satisfied");
    assert!(shown["allowed"].as_array().unwrap().is_empty());
    assert_eq!(shown["events"].as_array().unwrap().len(), 11);
    assert_eq!(d.outbox(), 11);

    // English is complete too.
    let text = d.ok(&["--lang", "en", "case", "show", &id]);
    assert!(
        text.contains("evaluated") && !text.contains("已评价"),
        "{text}"
    );
}

#[test]
fn the_level_above_supervises_a_case_queued_below_it() {
    let d = Device::new("镇网格长", "supervisor", TOWN, &[]);
    // A neighbour dispute starts in its grid's queue, below the town.
    let made = d.json(&[
        "case",
        "new",
        "--type",
        "dispute.neighbor",
        "--address",
        ADDR_501,
        "--text",
        "占用楼道",
    ]);
    let id = made["id"].as_str().unwrap().to_string();
    assert_eq!(made["owner_path"], GRID_PATH);
    assert!(d.show(&id)["allowed"].to_string().contains("supervise"));

    let err = d.fails(&[
        "case",
        "step",
        &id,
        "supervise",
        "--note",
        "尽快处理",
        "--deadline",
        "下周",
    ]);
    assert!(err.contains("时间"), "{err}");
    let err = d.fails(&[
        "case",
        "step",
        &id,
        "supervise",
        "--note",
        "尽快处理",
        "--deadline",
        "1000",
    ]);
    assert!(err.contains("期限"), "{err}");
    let due = d.json(&[
        "case",
        "step",
        &id,
        "supervise",
        "--note",
        "尽快处理",
        "--deadline",
        "2099-01-31T18:00:00+08:00",
    ]);
    assert_eq!(due["deadline"], 4_073_536_800_000i64);
    assert_eq!(due["status"], "reported");
    assert_eq!(d.show(&id)["events"][1]["note"], "尽快处理");
}
