import { DemoPage } from "@/components/demo/demo-page";

export default function Demo() {
  return <DemoPage />;
}
