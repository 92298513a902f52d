// Where the phone is when a record is submitted. The platform supplies it (Android:
// the location manager's last known fix; tests: a fixed point); the repository asks
// it at every submit (inspection, hazard, report, case) and never waits for a fix.
package cn.gridfield.data

import cn.gridfield.ffi.GeoPoint

fun interface LocationSource {
    /** The newest fix the system already holds, with accuracy and time; null without one. */
    fun lastKnown(): GeoPoint?

    companion object {
        /** No permission, or a platform without location: records carry none. */
        val NONE = LocationSource { null }
    }
}
