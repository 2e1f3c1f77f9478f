//! The directory a test starts from, written through the ports.

use time::OffsetDateTime;

use media_core::domain::{ConsentPurpose, Operator, Photographer, Project};
use media_core::ids::{OperatorId, PhotographerId, ProjectId, UserId};
use media_core::ports::{ConsentRepo, DirectoryRepo};

/// An operator ("Olga Operator") owning a project ("Gala") with one
/// assigned photographer ("Pat Photographer").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct World {
    /// The operator.
    pub operator: OperatorId,
    /// The photographer, assigned to the project.
    pub photographer: PhotographerId,
    /// The operator's project.
    pub project: ProjectId,
}

fn failed(what: &str, e: media_core::Error) -> ! {
    panic!("test world: {what}: {e}")
}

impl World {
    /// Writes a new world (fresh ids) through the directory port.
    pub async fn create(directory: &dyn DirectoryRepo) -> World {
        let w = World {
            operator: OperatorId::new(),
            photographer: PhotographerId::new(),
            project: ProjectId::new(),
        };
        let operator = Operator {
            id: w.operator,
            name: "Olga Operator".into(),
        };
        directory
            .insert_operator(&operator)
            .await
            .unwrap_or_else(|e| failed("operator", e));
        let project = Project {
            id: w.project,
            name: "Gala".into(),
            operator_id: w.operator,
            watermark_text: None,
        };
        directory
            .insert_project(&project)
            .await
            .unwrap_or_else(|e| failed("project", e));
        w.add_photographer(directory, w.photographer, "Pat Photographer")
            .await;
        w
    }

    /// Adds a photographer and assigns them to this world's project.
    pub async fn add_photographer(
        &self,
        directory: &dyn DirectoryRepo,
        id: PhotographerId,
        name: &str,
    ) {
        let photographer = Photographer {
            id,
            name: name.into(),
        };
        directory
            .insert_photographer(&photographer)
            .await
            .unwrap_or_else(|e| failed("photographer", e));
        directory
            .assign(self.project, id)
            .await
            .unwrap_or_else(|e| failed("assignment", e));
    }

    /// A new member of this world's project with `biometric_processing` granted.
    pub async fn member(
        &self,
        directory: &dyn DirectoryRepo,
        consents: &dyn ConsentRepo,
        now: OffsetDateTime,
    ) -> UserId {
        member_of(self.project, directory, consents, now).await
    }
}

/// A new member of `project` with `biometric_processing` granted.
pub async fn member_of(
    project: ProjectId,
    directory: &dyn DirectoryRepo,
    consents: &dyn ConsentRepo,
    now: OffsetDateTime,
) -> UserId {
    let user = UserId::new();
    directory
        .join(project, user, &[], now)
        .await
        .unwrap_or_else(|e| failed("membership", e));
    consents
        .grant_consent(user, ConsentPurpose::BiometricProcessing, now)
        .await
        .unwrap_or_else(|e| failed("consent", e));
    user
}
