//! A revoked device (a lost phone, a worker who left): the server answers its
//! token with `device_revoked`, and the first such answer to any request makes
//! the device wipe its store and photos. Unsynced work goes with them: the
//! server refuses everything from a revoked device, so it could never be pushed.

use super::transport::Reply;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::wire::ErrorBody;

/// The server's code for a revoked device's token.
const DEVICE_REVOKED: &str = "device_revoked";

/// Whether `reply` says this device is revoked.
pub(super) fn says_revoked(reply: &Reply) -> bool {
    matches!(reply.status, 401 | 403)
        && serde_json::from_slice::<ErrorBody>(&reply.body).is_ok_and(|b| b.error == DEVICE_REVOKED)
}

/// Wipe `store` if `reply` says its device is revoked, and say so.
pub(super) fn check(store: &Store, reply: &Reply) -> Result<()> {
    if says_revoked(reply) {
        store.wipe_revoked()?;
        return Err(Error::Revoked);
    }
    Ok(())
}
