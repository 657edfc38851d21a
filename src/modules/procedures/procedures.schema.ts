/**
 * The procedures API's request schemas and the wire shapes of what it answers.
 */
import { z } from 'zod';
import { FieldsSchema } from './procedures.fields.ts';
import { STAFF_TARGETS, STATUSES } from './procedures.workflow.ts';

const code = z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,59}$/, { message: 'a-z, 0-9 and -, up to 60 characters' });

/** A new procedure (staff): version 1 of its form is a draft until published. */
export const CreateProcedureSchema = z.object({
  code,
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(4000).optional(),
  /** 対象者 — who may apply. */
  eligibility: z.string().trim().max(1000).optional(),
  department: z.string().trim().min(1).max(40),
  identity: z.enum(['none', 'account']),
  retentionYears: z.number().int().min(1).max(30),
  fields: FieldsSchema,
});
export type CreateProcedure = z.infer<typeof CreateProcedureSchema>;

/** A new form (staff): edits the draft version, or starts the next one when the newest is published. */
export const FormSchema = z.object({ fields: FieldsSchema });

export const CodeParam = z.object({ code: z.string().max(60) });
export const ReceiptParam = z.object({ receiptNumber: z.string().max(20) });
export const CounterParam = z.object({ code: z.string().max(60), fiscalYear: z.coerce.number().int().min(1900).max(2200) });

/** An application: answers by field name (checked against the published form by the service). */
export const ApplySchema = z.object({
  answers: z.record(z.string(), z.unknown()),
  /** The form key an upload answered: the application takes the files uploaded with it (file fields are left out of `answers`). */
  formKey: z.string().max(40).optional(),
  /** A saved draft this application completes (deleted once received). */
  draft: z.string().max(40).optional(),
});

export const InquirySchema = z.object({
  receiptNumber: z.string().trim().min(1).max(20),
  password: z.string().min(1).max(100),
});

/** 一時保存: the answers so far (required fields may be missing). */
export const DraftSchema = z.object({
  answers: z.record(z.string(), z.unknown()),
  /** The form key an upload answered (its files stay with the draft). */
  formKey: z.string().max(40).optional(),
});

export const DraftParam = z.object({ id: z.string().max(40) });

/** An attachment of an application, named by the applicant's receipt number and password. */
export const InquiryAttachmentSchema = InquirySchema.extend({ attachment: z.string().max(40) });

export const AttachmentParam = z.object({ receiptNumber: z.string().max(20), id: z.string().max(40) });

export const CorrectionSchema = InquirySchema.extend({ answers: z.record(z.string(), z.unknown()) });

export const StatusChangeSchema = z.object({
  to: z.enum([...STAFF_TARGETS, 'withdrawn']),
  /** Shown to the applicant on the inquiry page (and mailed when the form asks an e-mail address). */
  message: z.string().trim().max(2000).optional(),
  /** 差し戻し: the fields the applicant is asked to correct (only these reopen). */
  fields: z.array(z.string().max(40)).max(100).optional(),
});

export const AssignSchema = z.object({ assignee: z.uuid().optional() });

export const CounterSchema = z.object({ count: z.number().int().min(0).max(100_000_000) });

export const InboxQuerySchema = z.object({
  status: z.enum(STATUSES).optional(),
  procedure: z.string().max(60).optional(),
  mine: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const StatisticsQuerySchema = z.object({ fiscalYear: z.coerce.number().int().min(1900).max(2200).optional() });

export const BundleSchema = z.object({
  code,
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(4000).optional(),
  procedures: z.array(code).min(2).max(10),
});

export const EmptySchema = z.object({}).passthrough().optional();
