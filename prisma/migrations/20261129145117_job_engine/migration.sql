-- The run that holds a task is named by its pg-boss job attempt, not by a process.
ALTER TABLE "Task" DROP COLUMN "ownerId",
ADD COLUMN     "claimId" TEXT,
ADD COLUMN     "jobId" UUID;

-- Every committed change of a task is announced once, by the database itself, to every process
-- that listens (src/events/taskChanges.ts): "<id>:<version>:<1 if a cancel was asked for, else 0>".
-- Small on purpose: NOTIFY payloads stop at 8,000 bytes, and receivers re-read the row.
CREATE FUNCTION "longrun_notify_task_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('longrun_task_changes',
    NEW."id"::text || ':' || NEW."version"::text || ':' || CASE WHEN NEW."cancelRequestedAt" IS NULL THEN '0' ELSE '1' END);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Task_notify_insert"
AFTER INSERT ON "Task"
FOR EACH ROW EXECUTE FUNCTION "longrun_notify_task_change"();

-- Only changes a client can see bump the version (a video deleted under a task does not).
CREATE TRIGGER "Task_notify_update"
AFTER UPDATE ON "Task"
FOR EACH ROW WHEN (OLD."version" IS DISTINCT FROM NEW."version")
EXECUTE FUNCTION "longrun_notify_task_change"();
