//! Verification after a round: this replica's checksums against the server's
//! for the device's scope; on a mismatch everything is re-pulled and compared
//! again (the checksums themselves are `crate::verify`).

use super::Round;
use super::transport::Method;
use crate::error::Result;
use crate::wire;

impl Round<'_> {
    /// Compare this replica with the server's view of the device's scope; on a
    /// mismatch re-pull everything from the start (applying is idempotent and keeps
    /// queued local edits) and compare again. Skipped while edits are queued: the
    /// replica then legitimately differs.
    pub(super) fn verify(&mut self) -> Result<()> {
        if self.store.outbox_len()? > 0 {
            return Ok(());
        }
        // A server without checksums (an older release) cannot be verified against.
        let Some(theirs) = self.server_checksums()? else {
            return Ok(());
        };
        if self.store.replica_checksums()? == theirs {
            self.report.verified = true;
            return Ok(());
        }
        self.store.start_repull()?;
        self.pull()?;
        self.report.repaired = true;
        self.report.verified = Some(self.store.replica_checksums()?) == self.server_checksums()?;
        Ok(())
    }

    fn server_checksums(&mut self) -> Result<Option<std::collections::BTreeMap<String, String>>> {
        self.cancel.check()?;
        let reply = self
            .http
            // This app holds cases: they are digested too (as pulled with `cases=1`).
            .send(Method::Get, "/v1/checksum", &[("cases", "1")], &[], None)?;
        match reply.status {
            200 => Ok(Some(reply.json::<wire::ChecksumResponse>()?.kinds)),
            404 => Ok(None),
            _ => Err(reply.error()),
        }
    }
}
