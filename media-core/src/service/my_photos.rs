//! A member's photos (SPEC §3.13) and "not me" (§3.13a).

use super::Media;
use super::views::MyPhoto;
use crate::domain::Principal;
use crate::error::{Error, Result};
use crate::ids::{PhotoId, ProjectId};
use crate::keys::{self, PhotoObject};
use crate::policy::{self, Access};

impl Media {
    /// SPEC §3.13: the member's matched photos, watermarked copies only.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn my_photos(
        &self,
        principal: &Principal,
        project: ProjectId,
    ) -> Result<Vec<MyPhoto>> {
        self.admit(principal, &Access::MY_PHOTOS).await?;
        let user = principal.as_user();
        policy::member_project(self.ports.directory.is_member(project, user).await?)?;
        let now = self.now();
        self.ports
            .faces
            .matched_photos(project, user)
            .await?
            .into_iter()
            .map(|m| {
                let url = |object, exists: bool| -> Result<Option<String>> {
                    if exists {
                        self.download_url(&keys::photo(m.project_id, m.photo_id, object), now)
                            .map(Some)
                    } else {
                        Ok(None)
                    }
                };
                Ok(MyPhoto {
                    photo_id: m.photo_id,
                    taken_at: m.taken_at,
                    thumbnail_url: url(PhotoObject::Thumb400, m.thumbnails_done)?,
                    full_url: url(PhotoObject::Watermarked, m.watermark_done)?,
                    thumbhash: m.thumbhash.as_deref().map(super::views::base64),
                    distance: m.distance,
                })
            })
            .collect()
    }

    /// SPEC §3.13a: the member says a matched photo is not them. It leaves
    /// their photos and is never matched to them again (a new selfie, a
    /// reprocess) until their biometric data is erased. A photo that is not
    /// in their photos is `NotFound`, whoever's it is.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn not_me(
        &self,
        principal: &Principal,
        project: ProjectId,
        photo: PhotoId,
    ) -> Result<()> {
        self.admit(principal, &Access::MY_PHOTOS).await?;
        let user = principal.as_user();
        policy::member_project(self.ports.directory.is_member(project, user).await?)?;
        if self
            .ports
            .faces
            .suppress_match(project, user, photo, self.now())
            .await?
        {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    }
}
