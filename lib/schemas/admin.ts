import { z } from "zod";

/** Admins and their passwords, as the console's forms, the API and the CLI check them. */
export const AdminEmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email("must be an email address").max(254, "at most 254 characters"));

export const AdminPasswordSchema = z
  .string()
  .min(8, "at least 8 characters")
  .max(1024, "at most 1024 characters");

export const AddAdminInputSchema = z.object({ email: AdminEmailSchema, password: AdminPasswordSchema });

export const ChangePasswordInputSchema = z.object({
  currentPassword: z.string().min(1, "enter your current password").max(1024),
  newPassword: AdminPasswordSchema,
});

/** An admin as listed (never the password hash). */
export interface AdminListItem {
  email: string;
  createdAt: string;
  /** Sign-ins not ended and not expired. */
  activeSessions: number;
}
