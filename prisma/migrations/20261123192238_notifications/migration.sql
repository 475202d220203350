-- AlterTable
ALTER TABLE "notifications" ADD COLUMN     "merged_into_id" UUID;

-- CreateIndex
CREATE INDEX "notifications_recipient_id_created_at_idx" ON "notifications"("recipient_id", "created_at");

-- CreateIndex
CREATE INDEX "notifications_created_at_idx" ON "notifications"("created_at");
