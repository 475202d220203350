-- AlterEnum
ALTER TYPE "AuditCategory" ADD VALUE 'ACCESS';
