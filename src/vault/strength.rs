//! How strong a proposed master password is, so the create and change-password screens can say
//! so while it is typed. zxcvbn estimates guesses from dictionaries, patterns and keyboard walks.

use serde::Serialize;

use super::VaultError;

/// A strength estimate: `score` 0 (guessable in seconds) to 4 (very strong).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PasswordStrength {
    pub score: u8,
    /// log10 of the estimated guesses an attacker needs.
    pub guesses_log10: u32,
    /// Whether kehu accepts it as a master password.
    pub acceptable: bool,
}

/// The lowest score accepted for a master password: the notebook is only as safe as this.
pub const MIN_SCORE: u8 = 2;

pub fn password_strength(password: &str) -> PasswordStrength {
    if password.is_empty() {
        return PasswordStrength { score: 0, guesses_log10: 0, acceptable: false };
    }
    let estimate = zxcvbn::zxcvbn(password, &["kehu", "客户本"]);
    let score = u8::from(estimate.score());
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a small positive log
    let guesses_log10 = estimate.guesses_log10().max(0.0) as u32;
    PasswordStrength { score, guesses_log10, acceptable: score >= MIN_SCORE }
}

/// Refuses a new master password below [`MIN_SCORE`]: where a notebook is created or rekeyed
/// from a form that shows the strength, the same rule decides.
pub fn require_strong_password(password: &str) -> Result<(), VaultError> {
    if password_strength(password).acceptable { Ok(()) } else { Err(VaultError::WeakPassword) }
}

/// Refuses a backup or handover password below [`MIN_SCORE`]: a backup holds every credential
/// of the notebook, and anyone who has the file can try passwords without limit, so it asks
/// what a master password asks.
pub fn require_backup_password(password: &str) -> Result<(), VaultError> {
    if password_strength(password).acceptable { Ok(()) } else { Err(VaultError::WeakBackupPassword) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_and_strong_passwords() {
        assert!(!password_strength("").acceptable);
        assert!(!password_strength("123456").acceptable);
        assert!(!password_strength("password").acceptable);
        let strong = password_strength("绿茶-青岛-晨跑-1987-风筝");
        assert!(strong.acceptable && strong.score >= 3, "{strong:?}");
        assert!(matches!(require_strong_password("password"), Err(VaultError::WeakPassword)));
        assert!(require_strong_password("绿茶-青岛-晨跑-1987-风筝").is_ok());
        for weak in ["a", "1", "12345678", "password1"] {
            assert!(matches!(require_backup_password(weak), Err(VaultError::WeakBackupPassword)), "{weak}");
        }
        assert!(require_backup_password("备份口令 cli-backup").is_ok());
    }
}
