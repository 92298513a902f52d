// The cost of calls through the uniffi bindings, measured from Kotlin on this JVM:
// a pure crossing (a label), a record back (identity), a read of the encrypted
// store (pending count) and the checklist runner's live check of a full fire-safety
// answer set (a record of 24 answers in, an evaluation out). Prints one JSON line.
package cn.gridfield.data

import cn.gridfield.ffi.Answer
import cn.gridfield.ffi.DeviceIdentity
import cn.gridfield.ffi.GridfieldStore
import cn.gridfield.ffi.HazardStatus
import cn.gridfield.ffi.ItemAnswer
import cn.gridfield.ffi.ItemPhotos
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.Role
import cn.gridfield.ffi.YesNoNa
import cn.gridfield.ffi.generateDatabaseKey
import cn.gridfield.ffi.hazardStatusLabel
import java.nio.file.Files

private fun medianNsPerCall(rounds: Int, callsPerRound: Int, call: () -> Unit): Long {
    val samples = LongArray(rounds)
    repeat(callsPerRound * 2) { call() } // warm-up: JIT and first-use costs
    for (r in 0 until rounds) {
        val t0 = System.nanoTime()
        repeat(callsPerRound) { call() }
        samples[r] = (System.nanoTime() - t0) / callsPerRound
    }
    samples.sort()
    return samples[rounds / 2]
}

fun main(args: Array<String>) {
    val quick = "--quick" in args
    val rounds = if (quick) 3 else 31
    val calls = if (quick) 20 else 2000
    val dir = Files.createTempDirectory("gf-bench").toFile()
    try {
        GridfieldStore.createOffline(dir.path, generateDatabaseKey(), DeviceIdentity("bench", "bench", Role.WORKER, "320583001003")).use { s ->
            val hash = "ab".repeat(32)
            val yn = { v: YesNoNa -> Answer.YesNoNa(v) }
            val answers = listOf(
                "ebike_indoor" to yn(YesNoNa.YES), "ebike_flying_lead" to yn(YesNoNa.NO),
                "escape_blocked" to yn(YesNoNa.NO), "exit_locked" to yn(YesNoNa.NO),
                "emergency_lighting" to yn(YesNoNa.YES), "window_bars_escape" to yn(YesNoNa.YES),
                "smoke_alarm" to yn(YesNoNa.NO), "extinguisher_count" to Answer.Number(1.0),
                "extinguisher_expired" to yn(YesNoNa.NO), "wiring_unsafe" to yn(YesNoNa.NO),
                "socket_overload" to yn(YesNoNa.NO), "leakage_breaker" to yn(YesNoNa.YES),
                "gas_type" to Answer.Choice("piped"), "gas_cylinder_living" to yn(YesNoNa.NA),
                "gas_hose_aged" to yn(YesNoNa.NO), "gas_alarm" to yn(YesNoNa.YES),
                "flammable_partition" to yn(YesNoNa.NO), "occupant_count" to Answer.Number(4.0),
                "area_per_person" to Answer.Number(12.5), "rental_use" to Answer.Choice("by_room"),
                "non_living_room_occupied" to yn(YesNoNa.NO), "remarks" to Answer.Text("楼道内停放电动自行车"),
                "site_photos" to Answer.Photos(listOf(hash)), "landlord_signature" to Answer.Signature(hash),
            ).map { ItemAnswer(it.first, it.second) }
            val evidence = listOf(ItemPhotos("ebike_indoor", listOf(hash)))
            check(s.checkAnswers("rental_fire_safety", 1u, answers, evidence).complete)

            val label = medianNsPerCall(rounds, calls) { hazardStatusLabel(HazardStatus.RECTIFYING, Lang.ZH) }
            val identity = medianNsPerCall(rounds, calls) { s.identity() }
            val pending = medianNsPerCall(rounds, calls) { s.pendingCount() }
            val checkNs = medianNsPerCall(rounds, calls / 4 + 1) { s.checkAnswers("rental_fire_safety", 1u, answers, evidence) }
            println(
                "{\"ffi_call_ns\": $identity, \"ffi_call_name\": \"GridfieldStore.identity()\", " +
                    "\"label_ns\": $label, \"identity_ns\": $identity, \"pending_count_ns\": $pending, " +
                    "\"check_answers_ns\": $checkNs, \"rounds\": $rounds, \"calls_per_round\": $calls}",
            )
        }
    } finally {
        dir.deleteRecursively()
    }
}
