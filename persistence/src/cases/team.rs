//! The case team: bring in, don't hand over (DOMAIN.md §3). Invitations, joining, leaving,
//! and the one case lead. `members` reads the team and changes it from within (leaving,
//! removal, the case lead handed on); `invitations` brings a partner in.

mod invitations;
mod members;

pub use invitations::InvitationDecision;
