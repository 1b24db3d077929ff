//! Importers of standard lists into signatures (stub).

use std::collections::HashSet;
use std::path::Path;

use super::model::Vendor;
use crate::error::Error;

/// Loads vendors from a user-supplied file, detecting its format.
pub fn load_file(path: &Path, seen: &mut HashSet<String>) -> Result<Vec<Vendor>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    super::load::parse_file(
        &path.display().to_string(),
        &text,
        &path.display().to_string(),
        seen,
    )
    .map_err(|e| Error::Other(e.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))
}
