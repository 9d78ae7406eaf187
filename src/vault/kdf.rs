//! Argon2id parameters: the floor (RFC 9106's second recommended option), calibration to a
//! target time on this machine, and the derivation of the key-encryption key.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::VaultError;

/// RFC 9106 §4, second recommended option: 64 MiB, t=3, p=4.
pub const MIN_MEMORY_KIB: u32 = 64 * 1024;
pub const MIN_ITERATIONS: u32 = 3;
pub const MIN_PARALLELISM: u32 = 4;
/// Calibration grows memory first (it is what makes GPUs expensive), up to this much.
const MAX_CALIBRATED_MEMORY_KIB: u32 = 256 * 1024;
/// The most any header may ask: 1 GiB, 64 passes, 16 lanes.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_ITERATIONS: u32 = 64;
const MAX_PARALLELISM: u32 = 16;

/// Argon2id cost parameters, stored in the header so unlocking uses what creation chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// The floor every notebook made by the CLI or the app must meet.
    pub const MINIMUM: KdfParams =
        KdfParams { memory_kib: MIN_MEMORY_KIB, iterations: MIN_ITERATIONS, parallelism: MIN_PARALLELISM };

    /// Parameters far below the floor, so that tests can create many notebooks quickly.
    /// Never used by the CLI or the app: [`KdfParams::checked`] refuses them.
    #[doc(hidden)]
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };

    /// Refuses parameters that would make unlocking take more memory or time than any notebook
    /// kehu writes (a hostile header asking for 4 GiB or a million passes is said as damaged
    /// before any of it is paid).
    pub fn within_ceiling(&self) -> Result<(), VaultError> {
        if self.memory_kib > MAX_MEMORY_KIB || self.iterations > MAX_ITERATIONS || self.parallelism > MAX_PARALLELISM {
            return Err(VaultError::BadKdfParams(format!(
                "{} KiB, t={}, p={} is above the ceiling of {MAX_MEMORY_KIB} KiB, t={MAX_ITERATIONS}, p={MAX_PARALLELISM}",
                self.memory_kib, self.iterations, self.parallelism
            )));
        }
        Ok(())
    }

    /// Explicit parameters, refused below the RFC 9106 floor and above the ceiling.
    pub fn checked(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, VaultError> {
        let params = KdfParams { memory_kib, iterations, parallelism };
        params.within_ceiling()?;
        if memory_kib < MIN_MEMORY_KIB || iterations < MIN_ITERATIONS || parallelism < MIN_PARALLELISM {
            return Err(VaultError::BadKdfParams(format!(
                "{memory_kib} KiB, t={iterations}, p={parallelism} is below the minimum of \
                 {MIN_MEMORY_KIB} KiB, t={MIN_ITERATIONS}, p={MIN_PARALLELISM}"
            )));
        }
        params.argon2()?;
        Ok(params)
    }

    /// What a new notebook or password gets: calibrated to about half a second here.
    pub fn calibrated_default() -> Self {
        Self::calibrate(Duration::from_millis(500))
    }

    /// Measures the floor on this machine and scales memory, then iterations, so that one
    /// derivation takes about `target`. Never returns less than [`KdfParams::MINIMUM`].
    pub fn calibrate(target: Duration) -> Self {
        let base = Self::MINIMUM;
        let started = Instant::now();
        let _ = base.derive(b"calibration", &[0u8; 16]);
        let base_time = started.elapsed().max(Duration::from_millis(1));
        // Argon2's cost is linear in memory × iterations.
        let budget = target.as_secs_f64() / base_time.as_secs_f64();
        let mut params = base;
        if budget <= 1.0 {
            return params;
        }
        let memory_factor = budget.min(f64::from(MAX_CALIBRATED_MEMORY_KIB / MIN_MEMORY_KIB));
        params.memory_kib = round_to_mib((f64::from(MIN_MEMORY_KIB) * memory_factor) as u32);
        let remaining = budget * f64::from(MIN_MEMORY_KIB) / f64::from(params.memory_kib);
        params.iterations = ((f64::from(MIN_ITERATIONS) * remaining).round() as u32).max(MIN_ITERATIONS);
        // Larger memory costs more than linearly (page faults, cache misses): measure the choice
        // once and take iterations off if it overshoots.
        let started = Instant::now();
        let _ = params.derive(b"calibration", &[0u8; 16]);
        let actual = started.elapsed().as_secs_f64();
        if actual > target.as_secs_f64() * 1.2 {
            let scaled = (f64::from(params.iterations) * target.as_secs_f64() / actual).floor() as u32;
            params.iterations = scaled.max(MIN_ITERATIONS);
        }
        params
    }

    fn argon2(&self) -> Result<Argon2<'static>, VaultError> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|e| VaultError::BadKdfParams(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Derives the 256-bit key-encryption key from a password and the header's salt.
    pub fn derive(&self, password: &[u8], salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        let mut kek = Zeroizing::new([0u8; 32]);
        self.argon2()?
            .hash_password_into(password, salt, kek.as_mut())
            .map_err(|e| VaultError::BadKdfParams(e.to_string()))?;
        Ok(kek)
    }
}

fn round_to_mib(kib: u32) -> u32 {
    (kib / 1024).max(1) * 1024
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_floor_is_refused() {
        assert!(KdfParams::checked(32 * 1024, 3, 4).is_err());
        assert!(KdfParams::checked(64 * 1024, 2, 4).is_err());
        assert!(KdfParams::checked(64 * 1024, 3, 1).is_err());
        assert_eq!(KdfParams::checked(64 * 1024, 3, 4).unwrap(), KdfParams::MINIMUM);
    }

    #[test]
    fn calibration_never_goes_below_floor() {
        let p = KdfParams::calibrate(Duration::from_millis(1));
        assert_eq!(p, KdfParams::MINIMUM);
        let p = KdfParams::calibrate(Duration::from_secs(2));
        assert!(p.memory_kib >= MIN_MEMORY_KIB && p.memory_kib <= MAX_CALIBRATED_MEMORY_KIB);
        assert!(p.iterations >= MIN_ITERATIONS && p.parallelism >= MIN_PARALLELISM);
        assert!(u64::from(p.memory_kib) * u64::from(p.iterations) > u64::from(MIN_MEMORY_KIB * MIN_ITERATIONS));
    }

    #[test]
    fn derivation_depends_on_password_salt_and_params() {
        let p = KdfParams::INSECURE_FOR_TESTS;
        let a = p.derive(b"pw", &[1; 16]).unwrap();
        assert_eq!(*a, *p.derive(b"pw", &[1; 16]).unwrap());
        assert_ne!(*a, *p.derive(b"pw2", &[1; 16]).unwrap());
        assert_ne!(*a, *p.derive(b"pw", &[2; 16]).unwrap());
        let q = KdfParams { iterations: 2, ..p };
        assert_ne!(*a, *q.derive(b"pw", &[1; 16]).unwrap());
    }
}
