//! `silent`: no output, only the exit code.

use super::{Context, fail_exit_code};
use crate::Rendered;

pub(crate) fn render(ctx: &Context<'_>) -> Rendered {
    Rendered {
        text: String::new(),
        exit_code: fail_exit_code(ctx),
    }
}
