//! Phone numbers as grid workers write them down: a mainland mobile number
//! (`13900000001`, optionally `+86`/`86`-prefixed) or a landline with its area
//! code (`0512-57001234`, with an optional `-123` extension). Spaces and hyphens
//! between digit groups are allowed.

/// Whether `phone` is a mobile or landline number.
pub fn phone_is_valid(phone: &str) -> bool {
    let trimmed = phone.trim();
    if trimmed.is_empty() || trimmed.len() > 32 {
        return false;
    }
    let (body, international) = match trimmed.strip_prefix("+86") {
        Some(rest) => (rest.trim_start_matches([' ', '-']), true),
        None => (trimmed, false),
    };
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    {
        return false;
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    let digits = match digits.strip_prefix("86") {
        Some(rest) if !international && rest.len() == 11 && rest.starts_with('1') => rest,
        _ => digits.as_str(),
    };
    is_mobile(digits)
        || (!international && is_landline(body))
        || (international && is_landline_digits(digits, true))
}

fn is_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// `0512-57001234`, `010 12345678`, `051257001234`, `0512-57001234-801`.
fn is_landline(body: &str) -> bool {
    let groups: Vec<&str> = body.split(['-', ' ']).filter(|g| !g.is_empty()).collect();
    match groups.as_slice() {
        [all] => is_landline_digits(all, false),
        [area, local] => area_ok(area) && local_ok(local),
        [area, local, ext] => area_ok(area) && local_ok(local) && (1..=6).contains(&ext.len()),
        _ => false,
    }
}

/// A landline written as one run of digits: with its trunk `0` at home, without
/// it after `+86`.
fn is_landline_digits(digits: &str, international: bool) -> bool {
    if international {
        (9..=11).contains(&digits.len()) && !digits.starts_with(['0', '1'])
    } else {
        digits.starts_with('0') && (10..=12).contains(&digits.len())
    }
}

fn area_ok(area: &str) -> bool {
    area.starts_with('0') && (3..=4).contains(&area.len())
}

fn local_ok(local: &str) -> bool {
    (7..=8).contains(&local.len()) && !local.starts_with('0')
}

/// `139****0001`: a mobile keeps its first three and last four digits; any
/// other number keeps its last four (none if it is too short to be a number).
pub fn mask_phone(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let d = digits
        .strip_prefix("86")
        .filter(|r| r.len() == 11)
        .unwrap_or(&digits);
    if is_mobile(d) {
        return super::keep_ends(d, 3, 4);
    }
    let n = phone.chars().count();
    if n <= 6 {
        // Too short to be a number; showing four digits would show most of it.
        return "*".repeat(n);
    }
    let mut out: String = "*".repeat(n - 4);
    out.extend(phone.chars().skip(n - 4));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_and_landlines_are_accepted() {
        for ok in [
            "13900000001",
            "139 0000 0001",
            "139-0000-0001",
            "+86 13900000001",
            "+8613900000001",
            "8613900000001",
            "0512-57001234",
            "0512 57001234",
            "051257001234",
            "010-12345678",
            "0512-57001234-801",
        ] {
            assert!(phone_is_valid(ok), "{ok}");
        }
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in [
            "",
            "12345",
            "1390000000",
            "139000000012",
            "12900000001",
            "139O0000001",
            "tel:13900000001",
            "0512-0570012",
            "512-57001234",
            "call me",
            "１３９００００００01",
        ] {
            assert!(!phone_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn masks_show_only_what_tells_numbers_apart() {
        assert_eq!(mask_phone("13900000001"), "139****0001");
        assert_eq!(mask_phone("+86 139 0000 0001"), "139****0001");
        assert_eq!(mask_phone("0512-57001234"), "*********1234");
        assert_eq!(mask_phone("123"), "***");
    }
}
