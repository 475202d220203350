-- Offboarding (docs/security.md#offboarding-users-sessions-and-tokens): every
-- disable, enable and role change raises the user's session epoch, and a
-- session signed in at another epoch is refused. Sessions signed before this
-- migration carry no epoch and are refused too: everyone signs in once again.

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "session_epoch" INTEGER NOT NULL DEFAULT 0;
