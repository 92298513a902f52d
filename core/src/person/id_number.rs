//! Resident identity card numbers (居民身份证号码, GB 11643-1999): 17 digits and
//! an ISO 7064 MOD 11-2 check character (a digit or `X`).

/// Weights of the 17 body digits (2^(17-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder of the weighted sum mod 11.
const CHECK: &[u8; 11] = b"10X98765432";

/// The check character of a 17-digit body, or `None` if it is not 17 digits.
pub fn check_char(body: &str) -> Option<char> {
    let b = body.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    Some(CHECK[(sum % 11) as usize] as char)
}

/// Whether `id` is an 18-character ID number whose birth date is a real date and
/// whose check character is right (a lower-case `x` is accepted).
pub fn id_number_is_valid(id: &str) -> bool {
    if id.len() != 18 || !id.is_ascii() {
        return false;
    }
    let (body, last) = id.split_at(17);
    let Some(want) = check_char(body) else {
        return false;
    };
    let birth = &body[6..14];
    let real_date = chrono::NaiveDate::parse_from_str(birth, "%Y%m%d")
        .is_ok_and(|d| d.format("%Y%m%d").to_string() == birth);
    real_date && last.eq_ignore_ascii_case(&want.to_string())
}

/// `3205**********8820`: the region's first four and the last four characters.
pub fn mask_id_number(id: &str) -> String {
    super::keep_ends(id, 4, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_character_is_gb_11643() {
        // The standard's own example.
        assert_eq!(check_char("11010519491231002"), Some('X'));
        assert!(id_number_is_valid("11010519491231002X"));
        assert!(id_number_is_valid("11010519491231002x"));
        assert!(id_number_is_valid("320583195001011234"));
    }

    #[test]
    fn a_wrong_digit_date_or_length_is_refused() {
        assert!(!id_number_is_valid("320583195001011237"), "check digit");
        assert!(!id_number_is_valid("320583195002301232"), "30 February");
        assert!(!id_number_is_valid("32058319500101123"), "17 characters");
        assert!(!id_number_is_valid("3205831950010112377"), "19 characters");
        assert!(!id_number_is_valid("32058319500101123A"), "letter");
        assert!(
            !id_number_is_valid("３２０５８３１９５００１０１１２３７"),
            "full-width"
        );
    }

    #[test]
    fn every_single_digit_change_is_caught() {
        let id = "320583195001011234";
        for i in 0..17 {
            for d in b'0'..=b'9' {
                let mut b = id.as_bytes().to_vec();
                if b[i] == d {
                    continue;
                }
                b[i] = d;
                let s = String::from_utf8(b).unwrap();
                assert!(!id_number_is_valid(&s), "{s}");
            }
        }
    }

    #[test]
    fn masked_keeps_region_and_last_four() {
        assert_eq!(mask_id_number("320583199001018820"), "3205**********8820");
    }
}
