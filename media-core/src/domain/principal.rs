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
    pub id: Uuid,
    pub audience: Audience,
    pub roles: Vec<Role>,
}

impl Principal {
    pub fn new(id: Uuid, audience: Audience, roles: impl Into<Vec<Role>>) -> Self {
        Self {
            id,
            audience,
            roles: roles.into(),
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn as_user(&self) -> UserId {
        UserId::from_uuid(self.id)
    }

    pub fn as_photographer(&self) -> PhotographerId {
        PhotographerId::from_uuid(self.id)
    }

    pub fn as_operator(&self) -> OperatorId {
        OperatorId::from_uuid(self.id)
    }
}
