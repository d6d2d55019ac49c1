-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "traceParent" TEXT,
ADD COLUMN     "traceState" TEXT;
