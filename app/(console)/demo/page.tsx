import { DemoOff } from "@/components/demo/demo-off";
import { DemoPage } from "@/components/demo/demo-page";
import { getEnv } from "@/server/env";

// Where the demo is off (INTERLOCK_DEMO, off by default with DATABASE_URL), the page says so and how to turn it on.
export default function Demo() {
  return getEnv().INTERLOCK_DEMO ? <DemoPage /> : <DemoOff />;
}
