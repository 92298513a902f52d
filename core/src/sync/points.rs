//! The points step of a sync round: send the vouchers issued offline (and the
//! voucher key until certified), keep the ledger the server answers. A server
//! without the endpoint (older than points) is skipped, not an error. Only
//! volunteers earn and spend points, so only their phones take this step.

use super::Round;
use super::transport::Method;
use crate::error::Result;

impl Round<'_> {
    pub(super) fn points(&mut self) -> Result<()> {
        if self.store.identity().role != crate::role::Role::Volunteer {
            return Ok(());
        }
        self.cancel.check()?;
        let req = self.store.points_request()?;
        let reply = self.http.send(
            Method::Post,
            "/v1/points/sync",
            &[],
            &[],
            Some(&serde_json::to_vec(&req)?),
        )?;
        match reply.status {
            200 => self.store.apply_points(&req, &reply.json()?),
            404 => Ok(()),
            _ => Err(reply.error()),
        }
    }
}
