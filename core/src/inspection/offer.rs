//! Which checklists a worker may start at an address: the template picker's rule,
//! the same on both phones (and any other caller).

use crate::address::{Entity, EntityKind};
use crate::checklist::{AppliesTo, ChecklistTemplate};

/// Whether `t` is for `entity`: its kind, and for a business checklist that names
/// business kinds, a business of one of them.
pub fn fits(t: &ChecklistTemplate, entity: &Entity) -> bool {
    if entity.deleted {
        return false;
    }
    match (t.applies_to, entity.kind) {
        (AppliesTo::Household, EntityKind::Household)
        | (AppliesTo::RentalUnit, EntityKind::RentalUnit) => true,
        (AppliesTo::Business, EntityKind::Business) => {
            let kind = entity.fields.get("kind").and_then(|v| v.as_str());
            t.business_kinds.is_empty()
                || kind.is_some_and(|k| t.business_kinds.iter().any(|b| b == k))
        }
        _ => false,
    }
}

/// The checklists a worker may start at an address holding `entities`: the newest
/// version of each template, unless it is retired (`inspection::check_start`), that
/// is for the address itself or fits one of its entities; in the order given.
pub fn offered_at<'a>(
    templates: &'a [ChecklistTemplate],
    entities: &[Entity],
) -> Vec<&'a ChecklistTemplate> {
    let newest = |t: &ChecklistTemplate| {
        !templates
            .iter()
            .any(|o| o.id == t.id && o.version > t.version)
    };
    templates
        .iter()
        .filter(|t| newest(t) && super::check_start(t).is_ok())
        .filter(|t| t.applies_to == AppliesTo::Address || entities.iter().any(|e| fits(t, e)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::builtin_templates;

    fn entity(kind: EntityKind, fields: serde_json::Value) -> Entity {
        Entity {
            kind,
            id: "e1".into(),
            address_code: "a1".into(),
            fields: fields.as_object().unwrap().clone(),
            deleted: false,
            updated_at: 0,
        }
    }

    fn ids(v: Vec<&ChecklistTemplate>) -> Vec<String> {
        v.into_iter()
            .map(|t| format!("{}@{}", t.id, t.version))
            .collect()
    }

    #[test]
    fn offers_what_fits_the_address_newest_and_not_retired() {
        let all = builtin_templates();
        let restaurant = entity(
            EntityKind::Business,
            serde_json::json!({"kind": "restaurant"}),
        );
        let homestay = entity(
            EntityKind::Business,
            serde_json::json!({"kind": "homestay"}),
        );
        let rental = entity(EntityKind::RentalUnit, serde_json::json!({}));

        let none = ids(offered_at(&all, &[]));
        assert!(
            none.iter().all(|t| !t.starts_with("rental_fire_safety")),
            "{none:?}"
        );
        let at_restaurant = ids(offered_at(&all, std::slice::from_ref(&restaurant)));
        let at_homestay = ids(offered_at(&all, &[homestay]));
        assert_ne!(
            at_restaurant, at_homestay,
            "business kinds pick the checklist"
        );
        assert!(
            at_homestay
                .iter()
                .any(|t| t.starts_with("homestay_safety@")),
            "{at_homestay:?}"
        );
        assert!(
            !at_restaurant
                .iter()
                .any(|t| t.starts_with("homestay_safety@")),
            "{at_restaurant:?}"
        );
        assert!(
            ids(offered_at(&all, std::slice::from_ref(&rental)))
                .contains(&"rental_fire_safety@1".to_string())
        );

        // A second version replaces the first; a retired one is offered no more.
        let mut v2 = all
            .iter()
            .find(|t| t.id == "rental_fire_safety")
            .unwrap()
            .clone();
        v2.version = 2;
        let mut more = all.clone();
        more.push(v2.clone());
        let offered = ids(offered_at(&more, std::slice::from_ref(&rental)));
        assert!(offered.contains(&"rental_fire_safety@2".to_string()));
        assert!(!offered.contains(&"rental_fire_safety@1".to_string()));
        more.last_mut().unwrap().retired_at = Some(1);
        let offered = ids(offered_at(&more, std::slice::from_ref(&rental)));
        assert!(
            !offered.iter().any(|t| t.starts_with("rental_fire_safety@")),
            "{offered:?}"
        );

        // A deleted entity holds no checklist.
        let gone = Entity {
            deleted: true,
            ..rental
        };
        assert!(
            !ids(offered_at(&all, &[gone]))
                .iter()
                .any(|t| t.starts_with("rental_fire_safety@"))
        );
    }
}
