-- DropIndex
DROP INDEX "Task_createdAt_id_idx";

-- DropIndex
DROP INDEX "Video_createdAt_id_idx";

-- Everything written before callers existed belongs to the anonymous caller (src/auth/caller.ts).
-- The default only fills the existing rows: every new row names its caller.
ALTER TABLE "IdempotencyKey" DROP CONSTRAINT "IdempotencyKey_pkey",
ADD COLUMN     "callerId" TEXT NOT NULL DEFAULT 'anonymous',
ADD CONSTRAINT "IdempotencyKey_pkey" PRIMARY KEY ("callerId", "scope", "key");
ALTER TABLE "IdempotencyKey" ALTER COLUMN "callerId" DROP DEFAULT;

ALTER TABLE "Task" ADD COLUMN     "callerId" TEXT NOT NULL DEFAULT 'anonymous';
ALTER TABLE "Task" ALTER COLUMN "callerId" DROP DEFAULT;

ALTER TABLE "Video" ADD COLUMN     "callerId" TEXT NOT NULL DEFAULT 'anonymous';
ALTER TABLE "Video" ALTER COLUMN "callerId" DROP DEFAULT;

-- CreateTable
CREATE TABLE "CallerUsage" (
    "callerId" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL,
    "refilledAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CallerUsage_pkey" PRIMARY KEY ("callerId")
);

-- CreateTable
CREATE TABLE "ServerSecret" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ServerSecret_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "Task_callerId_createdAt_id_idx" ON "Task"("callerId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Task_callerId_status_idx" ON "Task"("callerId", "status");

-- CreateIndex
CREATE INDEX "Video_callerId_createdAt_id_idx" ON "Video"("callerId", "createdAt", "id");
