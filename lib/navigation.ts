// The console's pages. `built: false` pages are listed so an SRE
// sees what is coming, but they are not links: nothing here pretends to work.
// A page's author flips `built` when the page and its browser test land.
export interface NavItem {
  href: string;
  label: string;
  built: boolean;
}

export const NAV_ITEMS: NavItem[] = [
  { href: "/", label: "Overview", built: true },
  { href: "/operations", label: "Operations", built: true },
  { href: "/operations/new", label: "New operation", built: true },
  { href: "/approvals", label: "Approvals", built: true },
  { href: "/locks", label: "Active locks", built: true },
  { href: "/graph", label: "Dependency graph", built: true },
  { href: "/graph/sources", label: "Graph sources", built: true },
  { href: "/audit", label: "Audit trail", built: true },
  { href: "/incidents", label: "Incidents", built: true },
  { href: "/rules", label: "Rules", built: true },
  { href: "/freezes", label: "Freezes", built: true },
  { href: "/demo", label: "Demo", built: true },
  { href: "/settings", label: "Settings", built: true },
];
