import { z } from "zod";

/** What the Slack interactivity endpoint answers: the message it sent to the interaction's response_url (Slack's fields), or {} for a click it does not act on. */
export const ZSlackInteractionAnswer = z
  .object({
    text: z.string().optional(),
    response_type: z.enum(["ephemeral", "in_channel"]).optional(),
    replace_original: z.boolean().optional(),
    blocks: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .meta({ id: "SlackInteractionAnswer" });

export const ZUpdateMeRequest = z
  .strictObject({
    slackUserId: z.string().nullable().meta({ description: "Your Slack member id (U… or W…; in Slack: your profile → ⋮ → Copy member ID), or null to unlink" }),
  })
  .meta({ id: "UpdateMeRequest" });
