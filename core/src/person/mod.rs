//! Personal identifiers (身份证号, 电话): how they are checked where they are
//! entered and how they are shown to people. The same rules run on the phone,
//! on the server and in the console; a full value is shown only after an
//! explicit, audited reveal by a role that may see it.

mod id_number;
mod phone;

pub use id_number::{check_char as id_number_check_char, id_number_is_valid, mask_id_number};
pub use phone::{mask_phone, phone_is_valid};

/// The kind of personal identifier a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identifier {
    /// Resident identity card number (GB 11643).
    IdNumber,
    /// Mobile or landline phone number.
    Phone,
}

impl Identifier {
    /// Whether `value` is well-formed for this kind of identifier.
    pub fn is_valid(self, value: &str) -> bool {
        match self {
            Identifier::IdNumber => id_number_is_valid(value),
            Identifier::Phone => phone_is_valid(value),
        }
    }

    /// `value` as shown to anyone who has not revealed it.
    pub fn mask(self, value: &str) -> String {
        match self {
            Identifier::IdNumber => mask_id_number(value),
            Identifier::Phone => mask_phone(value),
        }
    }
}

/// Keep the first `head` and last `tail` characters and star the rest; a value
/// too short to keep both is starred whole.
fn keep_ends(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_starred_whole() {
        assert_eq!(keep_ends("1234", 3, 4), "****");
        assert_eq!(keep_ends("", 3, 4), "");
        assert_eq!(Identifier::Phone.mask("12345"), "*****");
    }

    #[test]
    fn a_mask_never_contains_the_middle() {
        let id = "320583195001011234";
        let m = Identifier::IdNumber.mask(id);
        assert_eq!(m.chars().count(), id.chars().count());
        assert!(!m.contains("19500101"));
    }
}
