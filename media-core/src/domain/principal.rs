use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{OperatorId, PhotographerId, UserId};

/// Which family of clients a token was issued for (the JWT `aud`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// End users' apps: selfies, photo uploads from the app.
    Media,
    /// Operators' and photographers' back office.
    Backoffice,
}

impl Audience {
    pub const ALL: [Audience; 2] = [Audience::Media, Audience::Backoffice];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Media => "media",
            Self::Backoffice => "backoffice",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Photographer,
    Operator,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::User, Role::Photographer, Role::Operator];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Photographer => "photographer",
            Self::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
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
