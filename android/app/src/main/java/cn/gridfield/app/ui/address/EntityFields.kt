// How an entity's fields read on screen: the core's field names and enum values in
// the user's language. ID numbers and phones arrive masked by the core
// (`EntityField.masked`); the full value only through an audited reveal.
package cn.gridfield.app.ui.address

import androidx.annotation.StringRes
import androidx.compose.runtime.Composable
import androidx.compose.ui.res.stringResource
import cn.gridfield.app.R
import cn.gridfield.ffi.EntityKind

@StringRes
fun entityKindTitle(kind: EntityKind): Int = when (kind) {
    EntityKind.HOUSEHOLD -> R.string.entity_households
    EntityKind.PERSON -> R.string.entity_persons
    EntityKind.RENTAL_UNIT -> R.string.entity_rental_units
    EntityKind.BUSINESS -> R.string.entity_businesses
}

@StringRes
private fun fieldLabel(name: String): Int? = when (name) {
    "head_name" -> R.string.field_head_name
    "phone" -> R.string.field_phone
    "members" -> R.string.field_members
    "residency" -> R.string.field_residency
    "moved_in" -> R.string.field_moved_in
    "moved_out" -> R.string.field_moved_out
    "note" -> R.string.field_note
    "name" -> R.string.field_name
    "id_number" -> R.string.field_id_number
    "landlord_name" -> R.string.field_landlord_name
    "landlord_phone" -> R.string.field_landlord_phone
    "rooms" -> R.string.field_rooms
    "use" -> R.string.field_use
    "risk_level" -> R.string.field_risk_level
    "kind" -> R.string.field_kind
    "contact_name" -> R.string.field_contact_name
    "contact_phone" -> R.string.field_contact_phone
    else -> null
}

@StringRes
private fun enumValue(value: String): Int? = when (value) {
    "registered" -> R.string.value_registered
    "floating" -> R.string.value_floating
    "residential" -> R.string.value_residential
    "shared" -> R.string.value_shared
    "commercial" -> R.string.value_commercial
    "low" -> R.string.value_low
    "medium" -> R.string.value_medium
    "high" -> R.string.value_high
    "shop" -> R.string.value_shop
    "restaurant" -> R.string.value_restaurant
    "enterprise" -> R.string.value_enterprise
    "venue" -> R.string.value_venue
    "school" -> R.string.value_school
    "other" -> R.string.value_other
    else -> null
}

/** Links between entities are shown by their entity, not as raw ids. */
fun isShownField(name: String): Boolean = name != "household_id" && name != "rental_unit_id"

@Composable
fun fieldName(name: String): String = fieldLabel(name)?.let { stringResource(it) } ?: name

@Composable
fun fieldValue(name: String, value: String): String = when {
    name in setOf("residency", "use", "risk_level", "kind") -> enumValue(value)?.let { stringResource(it) } ?: value
    else -> value
}
