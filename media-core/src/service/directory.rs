//! The directory behind `media-cli` (SPEC §8): operators, photographers,
//! projects, assignments, members and consents given for a user. An add
//! of a row that exists alike is fine, with other values a conflict.

use super::Media;
use crate::domain::{ConsentPurpose, JobPayload, Operator, Photographer, Project};
use crate::error::{ConflictKind, Error, Result};
use crate::ids::{OperatorId, PhotographerId, ProjectId, UserId};

/// An add of a row that exists is fine only when the rows are alike.
fn same_row<T: PartialEq + std::fmt::Debug>(
    what: &str,
    id: impl std::fmt::Display,
    existing: Option<&T>,
    wanted: &T,
) -> Result<()> {
    match existing {
        Some(row) if row == wanted => Ok(()),
        Some(row) => Err(Error::Conflict {
            kind: ConflictKind::AlreadyExists,
            detail: format!(
                "conflict: {what} {id} exists with other values ({row:?}); nothing changed"
            ),
        }),
        None => Err(Error::unavailable(format!(
            "{what} {id} vanished while being added"
        ))),
    }
}

/// Names shown in listings: trimmed, 1 to 200 characters.
fn display_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid("a name must be 1 to 200 characters"));
    }
    Ok(name.to_owned())
}

impl Media {
    /// Adds an operator (SPEC §8): the name is trimmed and must be 1–200
    /// characters; adding it again alike is fine, with another name a conflict.
    pub async fn add_operator(&self, operator: &Operator) -> Result<()> {
        let operator = Operator {
            name: display_name(&operator.name)?,
            ..operator.clone()
        };
        if self.ports.directory.insert_operator(&operator).await? {
            return Ok(());
        }
        let existing = self.ports.directory.operator(operator.id).await?;
        same_row("operator", operator.id, existing.as_ref(), &operator)
    }

    /// Adds a photographer, by the rules of [`Media::add_operator`].
    pub async fn add_photographer(&self, photographer: &Photographer) -> Result<()> {
        let photographer = Photographer {
            name: display_name(&photographer.name)?,
            ..photographer.clone()
        };
        if self
            .ports
            .directory
            .insert_photographer(&photographer)
            .await?
        {
            return Ok(());
        }
        let existing = self.ports.directory.photographer(photographer.id).await?;
        same_row(
            "photographer",
            photographer.id,
            existing.as_ref(),
            &photographer,
        )
    }

    /// Adds a project of an existing operator; a blank watermark text means
    /// the default (`WATERMARK_TEXT`). Adding it again with another
    /// operator, name or watermark text is a conflict: a project never moves.
    pub async fn add_project(&self, project: &Project) -> Result<()> {
        let project = Project {
            name: display_name(&project.name)?,
            watermark_text: project
                .watermark_text
                .clone()
                .filter(|t| !t.trim().is_empty()),
            ..project.clone()
        };
        if !self
            .ports
            .directory
            .operator_exists(project.operator_id)
            .await?
        {
            return Err(Error::invalid(format!(
                "operator {} does not exist",
                project.operator_id
            )));
        }
        if self.ports.directory.insert_project(&project).await? {
            return Ok(());
        }
        let existing = self.ports.directory.project(project.id).await?;
        same_row("project", project.id, existing.as_ref(), &project)
    }

    /// Assigns a photographer to a project; both must exist ([`Error::Invalid`] otherwise).
    pub async fn assign(&self, project: ProjectId, photographer: PhotographerId) -> Result<()> {
        if self.ports.directory.project(project).await?.is_none() {
            return Err(Error::invalid(format!("project {project} does not exist")));
        }
        if !self
            .ports
            .directory
            .photographer_exists(photographer)
            .await?
        {
            return Err(Error::invalid(format!(
                "photographer {photographer} does not exist"
            )));
        }
        self.ports.directory.assign(project, photographer).await
    }

    /// Adds a member; one with an approved selfie is matched against the project (SPEC §5).
    pub async fn join(&self, project: ProjectId, user: UserId) -> Result<bool> {
        if self.ports.directory.project(project).await?.is_none() {
            return Err(Error::invalid(format!("project {project} does not exist")));
        }
        let jobs = if self.ports.selfies.approved_embedding(user).await?.is_some() {
            vec![JobPayload::ClusterFaces {
                project_id: project,
            }]
        } else {
            Vec::new()
        };
        self.ports
            .directory
            .join(project, user, &jobs, self.now())
            .await
    }

    /// Grants a consent on the user's behalf (`media-cli directory consent grant`).
    pub async fn grant_consent_for(&self, user: UserId, purpose: ConsentPurpose) -> Result<()> {
        self.ports
            .consents
            .grant_consent(user, purpose, self.now())
            .await
    }

    /// Whether the operator exists.
    pub async fn operator_exists(&self, id: OperatorId) -> Result<bool> {
        self.ports.directory.operator_exists(id).await
    }
}
