//! Permission rules: pure functions over the principal and domain facts.
//! Checks run in SPEC §2's order: audience (401), role (403), consent (403),
//! scope (404), then ownership for changes (403).

use crate::domain::{Audience, Photo, Principal, Project, Role};
use crate::error::{Error, Result};
use crate::ids::ProjectId;

/// Who may call a route: its audiences, the role required, and whether an
/// active `biometric_processing` consent is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// Tokens for any other audience get 401.
    pub audiences: &'static [Audience],
    /// A caller without this role gets 403.
    pub role: Role,
    /// A user without an active consent gets 403 `consent_required`.
    pub consent: bool,
}

/// End users' app routes. The server's extractors use the same lists.
pub const MEDIA: &[Audience] = &[Audience::Media];
/// Back-office routes.
pub const BACKOFFICE: &[Audience] = &[Audience::Backoffice];
/// Routes both kinds of client call (photo completion).
pub const EITHER: &[Audience] = &[Audience::Media, Audience::Backoffice];

impl Access {
    const fn new(audiences: &'static [Audience], role: Role, consent: bool) -> Self {
        Self {
            audiences,
            role,
            consent,
        }
    }

    /// `POST /v1/selfie/upload-url` (SPEC §3.1): a consenting user.
    pub const SELFIE_UPLOAD: Access = Access::new(MEDIA, Role::User, true);
    /// `POST /v1/selfie/{id}/complete`: a consenting user.
    pub const SELFIE_COMPLETE: Access = Access::new(MEDIA, Role::User, true);
    /// `GET`/`DELETE /v1/selfie`: any user (erasure needs no consent).
    pub const SELFIE_SELF: Access = Access::new(MEDIA, Role::User, false);
    /// `/v1/me/consents/…`: any user.
    pub const CONSENTS: Access = Access::new(MEDIA, Role::User, false);
    /// `GET /v1/me/photos`: a consenting user.
    pub const MY_PHOTOS: Access = Access::new(MEDIA, Role::User, true);
    /// `GET /v1/me/archives/{id}`: any user (only their own archives exist for them).
    pub const ARCHIVES: Access = Access::new(MEDIA, Role::User, false);
    /// Photo upload URLs from the app.
    pub const PHOTO_UPLOAD_APP: Access = Access::new(MEDIA, Role::Photographer, false);
    /// Photo upload URLs from the back office.
    pub const PHOTO_UPLOAD_BACKOFFICE: Access = Access::new(BACKOFFICE, Role::Photographer, false);
    /// `POST /v1/photos/{id}/complete`, from either client.
    pub const PHOTO_COMPLETE: Access = Access::new(EITHER, Role::Photographer, false);
    /// A photographer's own project listings.
    pub const PHOTOGRAPHER_PHOTOS: Access = Access::new(BACKOFFICE, Role::Photographer, false);
    /// Every operator route.
    pub const OPERATOR: Access = Access::new(BACKOFFICE, Role::Operator, false);
}

/// Audience then role. Consent needs a lookup: `Media::admit` checks it
/// next, with [`consented`].
pub fn authorize(principal: &Principal, access: &Access) -> Result<()> {
    if !access.audiences.contains(&principal.audience) {
        return Err(Error::Unauthorized(
            "token audience does not admit this route",
        ));
    }
    if !principal.has_role(access.role) {
        return Err(Error::Forbidden("role not allowed on this route"));
    }
    Ok(())
}

/// A route that needs consent admits only a user who has it.
pub fn consented(has_consent: bool) -> Result<()> {
    if has_consent {
        Ok(())
    } else {
        Err(Error::ConsentRequired)
    }
}

/// A photographer reaches a project only when assigned to it.
pub fn photographer_project(assigned: bool) -> Result<()> {
    if assigned {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// An operator reaches a project only when owning it; another's project is
/// indistinguishable from an absent one.
pub fn operator_project(principal: &Principal, project: Option<&Project>) -> Result<()> {
    match project {
        Some(p) if p.operator_id == principal.as_operator() => Ok(()),
        _ => Err(Error::NotFound),
    }
}

/// The photo must be in the project named by the route.
pub fn photo_in_project(photo: Option<&Photo>, project: ProjectId) -> Result<&Photo> {
    photo
        .filter(|p| p.project_id == project)
        .ok_or(Error::NotFound)
}

/// A photographer deletes only their own uploads; others' they can see but not change.
pub fn photographer_may_delete(principal: &Principal, photo: &Photo) -> Result<()> {
    if photo.photographer_id == principal.as_photographer() {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the photographer who uploaded a photo may delete it",
        ))
    }
}

/// Completing an upload: own photo → allowed; another's photo in a project the
/// photographer works on → 403; anything else → 404.
pub fn photographer_may_complete(
    principal: &Principal,
    photo: Option<&Photo>,
    assigned: bool,
) -> Result<()> {
    match photo {
        Some(p) if p.photographer_id == principal.as_photographer() => Ok(()),
        Some(_) if assigned => Err(Error::Forbidden("not your upload")),
        _ => Err(Error::NotFound),
    }
}

/// A user reaches a project's matches only as a member.
pub fn member_project(member: bool) -> Result<()> {
    if member { Ok(()) } else { Err(Error::NotFound) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FailureReason, PhotoStatus};
    use crate::ids::{OperatorId, PhotoId, PhotographerId};
    use proptest::prelude::*;
    use time::OffsetDateTime;
    use uuid::Uuid;

    const ALL_ACCESS: [Access; 11] = [
        Access::ARCHIVES,
        Access::SELFIE_UPLOAD,
        Access::SELFIE_COMPLETE,
        Access::SELFIE_SELF,
        Access::CONSENTS,
        Access::MY_PHOTOS,
        Access::PHOTO_UPLOAD_APP,
        Access::PHOTO_UPLOAD_BACKOFFICE,
        Access::PHOTO_COMPLETE,
        Access::PHOTOGRAPHER_PHOTOS,
        Access::OPERATOR,
    ];

    fn principal() -> impl Strategy<Value = Principal> {
        (
            any::<u128>(),
            prop::sample::select(Audience::ALL.to_vec()),
            prop::sample::subsequence(Role::ALL.to_vec(), 0..=3),
        )
            .prop_map(|(id, aud, roles)| Principal::new(Uuid::from_u128(id), aud, roles))
    }

    fn photo(photographer: PhotographerId, project: ProjectId) -> Photo {
        Photo {
            id: PhotoId::new(),
            project_id: project,
            photographer_id: photographer,
            status: PhotoStatus::Ready,
            taken_at: None,
            width: None,
            height: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            upload_expires_at: OffsetDateTime::UNIX_EPOCH,
            failure_reason: None::<FailureReason>,
            thumbnails_done: true,
            watermark_done: true,
            faces_done: true,
            original_etag: None,
            thumbhash: None,
            duplicate_of: None,
        }
    }

    proptest! {
        #[test]
        fn authorize_is_audience_then_role(p in principal(), i in 0usize..ALL_ACCESS.len()) {
            let access = ALL_ACCESS[i];
            let result = authorize(&p, &access);
            match result {
                Ok(()) => {
                    prop_assert!(access.audiences.contains(&p.audience));
                    prop_assert!(p.has_role(access.role));
                }
                Err(Error::Unauthorized(_)) => prop_assert!(!access.audiences.contains(&p.audience)),
                Err(Error::Forbidden(_)) => {
                    prop_assert!(access.audiences.contains(&p.audience));
                    prop_assert!(!p.has_role(access.role));
                }
                Err(e) => prop_assert!(false, "unexpected {e:?}"),
            }
        }

        #[test]
        fn no_principal_without_operator_role_reaches_operator_routes(p in principal()) {
            if !p.has_role(Role::Operator) {
                prop_assert!(authorize(&p, &Access::OPERATOR).is_err());
            }
        }

        #[test]
        fn operators_reach_only_their_own_projects(p in principal(), owner in any::<bool>(), exists in any::<bool>()) {
            let project = Project {
                id: ProjectId::new(),
                name: "p".into(),
                operator_id: if owner { p.as_operator() } else { OperatorId::new() },
                watermark_text: None,
            };
            let r = operator_project(&p, exists.then_some(&project));
            if owner && exists { prop_assert!(r.is_ok()); } else { prop_assert!(matches!(r, Err(Error::NotFound))); }
        }

        #[test]
        fn photographers_delete_only_their_own(p in principal(), own in any::<bool>(), same_project in any::<bool>()) {
            let project = ProjectId::new();
            let ph = photo(if own { p.as_photographer() } else { PhotographerId::new() },
                if same_project { project } else { ProjectId::new() });
            let found = photo_in_project(Some(&ph), project);
            if !same_project {
                prop_assert!(matches!(found, Err(Error::NotFound)));
            } else {
                let r = photographer_may_delete(&p, found?);
                prop_assert_eq!(r.is_ok(), own);
                if !own { prop_assert!(matches!(r, Err(Error::Forbidden(_)))); }
            }
        }

        #[test]
        fn completing_reveals_nothing_outside_scope(p in principal(), own in any::<bool>(), assigned in any::<bool>(), exists in any::<bool>()) {
            let ph = photo(if own { p.as_photographer() } else { PhotographerId::new() }, ProjectId::new());
            let r = photographer_may_complete(&p, exists.then_some(&ph), assigned);
            match (exists, own, assigned) {
                (true, true, _) => prop_assert!(r.is_ok()),
                (true, false, true) => prop_assert!(matches!(r, Err(Error::Forbidden(_)))),
                _ => prop_assert!(matches!(r, Err(Error::NotFound))),
            }
        }
    }

    #[test]
    fn scope_rules() {
        assert!(photographer_project(true).is_ok());
        assert!(matches!(photographer_project(false), Err(Error::NotFound)));
        assert!(member_project(true).is_ok());
        assert!(matches!(member_project(false), Err(Error::NotFound)));
    }
}
