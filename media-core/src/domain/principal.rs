use uuid::Uuid;

use super::wire::wire_enum;

use crate::ids::{OperatorId, PhotographerId, UserId};

wire_enum! {
    /// Which family of clients a token was issued for (the JWT `aud`).
    pub enum Audience {
        /// End users' apps: selfies, photo uploads from the app.
        Media = "media",
        /// Operators' and photographers' back office.
        Backoffice = "backoffice",
    }
}

wire_enum! {
    /// What the caller is (the JWT `role`/`roles`).
    pub enum Role {
        /// An event attendee.
        User = "user",
        /// Uploads photos to the projects they are assigned to.
        Photographer = "photographer",
        /// Owns projects and manages all their photos.
        Operator = "operator",
    }
}

/// The authenticated caller: who (the token's `sub`), for which audience, in which roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub`: a user, photographer or operator id, per role.
    pub id: Uuid,
    /// The audience the token was accepted for.
    pub audience: Audience,
    /// Every role the token carries.
    pub roles: Vec<Role>,
}

impl Principal {
    /// A principal from its parts (what an [`Authenticator`](crate::ports::Authenticator) returns).
    pub fn new(id: Uuid, audience: Audience, roles: impl Into<Vec<Role>>) -> Self {
        Self {
            id,
            audience,
            roles: roles.into(),
        }
    }

    /// Whether the token carries `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The `sub` read as a user id (meaningful when [`Role::User`] is held).
    pub fn as_user(&self) -> UserId {
        UserId::from_uuid(self.id)
    }

    /// The `sub` read as a photographer id.
    pub fn as_photographer(&self) -> PhotographerId {
        PhotographerId::from_uuid(self.id)
    }

    /// The `sub` read as an operator id.
    pub fn as_operator(&self) -> OperatorId {
        OperatorId::from_uuid(self.id)
    }
}
