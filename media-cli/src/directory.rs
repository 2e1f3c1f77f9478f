//! `media-cli directory …`: idempotent writes of the directory rows.

use clap::{Args, Subcommand};
use uuid::Uuid;

use media_core::domain::{ConsentPurpose, Operator, Photographer, Project};

use crate::{CliResult, connect};

#[derive(Subcommand)]
pub enum DirectoryCommand {
    /// Operators.
    Operator {
        #[command(subcommand)]
        command: NamedAdd,
    },
    /// Photographers.
    Photographer {
        #[command(subcommand)]
        command: NamedAdd,
    },
    /// Projects, assignments and members.
    Project {
        #[command(subcommand)]
        command: ProjectCommand,
    },
    /// Consents.
    Consent {
        #[command(subcommand)]
        command: ConsentCommand,
    },
}

#[derive(Subcommand)]
pub enum NamedAdd {
    /// Add (or rename) one.
    Add(Named),
}

#[derive(Args)]
pub struct Named {
    #[arg(long)]
    id: Uuid,
    #[arg(long)]
    name: String,
}

#[derive(Subcommand)]
pub enum ProjectCommand {
    /// Add a project owned by an operator (an existing id must have the same values).
    Add {
        #[arg(long)]
        id: Uuid,
        #[arg(long)]
        name: String,
        #[arg(long)]
        operator: Uuid,
        /// Overrides WATERMARK_TEXT for this project.
        #[arg(long)]
        watermark_text: Option<String>,
    },
    /// Assign a photographer to a project.
    Assign {
        #[arg(long)]
        project: Uuid,
        #[arg(long)]
        photographer: Uuid,
    },
    /// Add a user (attendee) to a project; one with an approved selfie is matched.
    Join {
        #[arg(long)]
        project: Uuid,
        #[arg(long)]
        user: Uuid,
    },
}

#[derive(Subcommand)]
pub enum ConsentCommand {
    /// Grant a consent for a user.
    Grant {
        #[arg(long)]
        user: Uuid,
        #[arg(long, value_enum)]
        purpose: ConsentPurpose,
    },
}

pub async fn run(command: DirectoryCommand) -> CliResult {
    let app = connect().await?;
    let media = &app.media;
    match command {
        DirectoryCommand::Operator {
            command: NamedAdd::Add(n),
        } => {
            media
                .add_operator(&Operator {
                    id: n.id.into(),
                    name: n.name,
                })
                .await?;
            println!("operator {} saved", n.id);
        }
        DirectoryCommand::Photographer {
            command: NamedAdd::Add(n),
        } => {
            media
                .add_photographer(&Photographer {
                    id: n.id.into(),
                    name: n.name,
                })
                .await?;
            println!("photographer {} saved", n.id);
        }
        DirectoryCommand::Project { command } => match command {
            ProjectCommand::Add {
                id,
                name: n,
                operator,
                watermark_text,
            } => {
                let project = Project {
                    id: id.into(),
                    name: n,
                    operator_id: operator.into(),
                    watermark_text,
                };
                media.add_project(&project).await?;
                println!("project {id} saved");
            }
            ProjectCommand::Assign {
                project,
                photographer,
            } => {
                media.assign(project.into(), photographer.into()).await?;
                println!("photographer {photographer} assigned to project {project}");
            }
            ProjectCommand::Join { project, user } => {
                media.join(project.into(), user.into()).await?;
                println!("user {user} is a member of project {project}");
            }
        },
        DirectoryCommand::Consent {
            command: ConsentCommand::Grant { user, purpose },
        } => {
            media.grant_consent_for(user.into(), purpose).await?;
            println!("consent {} granted to {user}", purpose.as_str());
        }
    }
    Ok(())
}
