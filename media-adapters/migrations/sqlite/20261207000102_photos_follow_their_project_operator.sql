-- A photo's copy of its project's operator (it leads the operator-wide
-- listing's index, 20261201000002) follows the project: a project the
-- platform moves to another operator leaves the old one's listing, its
-- originals included, and joins the new one's (issue 26). Checking the
-- project's operator in the listing instead made Postgres sort every photo
-- of the operator (listing_plans.rs).
CREATE TRIGGER projects_operator_moved
    AFTER UPDATE OF operator_id ON projects
    FOR EACH ROW WHEN OLD.operator_id IS NOT NEW.operator_id
BEGIN
    UPDATE photos SET operator_id = NEW.operator_id
     WHERE project_id = NEW.id AND operator_id IS NOT NEW.operator_id;
END;

-- Projects moved before this migration.
UPDATE photos SET operator_id = (SELECT operator_id FROM projects WHERE projects.id = photos.project_id)
 WHERE operator_id IS NOT (SELECT operator_id FROM projects WHERE projects.id = photos.project_id);
