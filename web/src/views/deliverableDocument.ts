// The deliverable's open-data export (GET .../deliverables/{n}/json), as far as the screen
// reads it: its published JSON Schema is /v1/schemas/deliverable.json (format
// "agora-deliverable/2"). The API types do not carry it (the route serves a file).

export interface Tally { category_id: string; category: string; tokens: number; voters: number; rank: number }

export interface DocExtract {
  extract_id: string; nature: string; state: "anchored" | "orphaned"; quote: string | null;
  post_id: string; post_status: "visible" | "hidden" | "pending"; language: string;
}

export interface ArgumentPost {
  post_id: string; text: string | null; language: string; original_text: string | null;
  original_language: string; translated: boolean; machine: boolean; human_verified: boolean;
}

export interface Column { column_id: string; label: string; summary: string; thread_url: string; posts: ArgumentPost[] }

export interface Recommendation {
  idea_id: string; title: string; description: string; theme: string;
  counts: { extracts: number; posts: number; authors: number; reactions: number };
  extracts: DocExtract[]; arguments: Column[];
  votes: { session_id: string; title: string; ballot_count: number; tallies: Tally[] }[];
}

export interface Vote {
  session_id: string; ballot_count: number; closed_at: string;
  categories: { id: string; name: string; color: string }[];
  proposals: { proposal_id: string; title: string; idea_id: string | null; tallies: Tally[] }[];
}

export interface DeliverableDocument {
  version: number; generated_at: string; language: string;
  consultation: { id: string; title: string; question: string; description: string };
  step_after: string;
  participation: {
    contributions: number; contributors: number; reactors: number; extracts: number;
    ideas: number; retained_ideas: number; ballots: number;
  };
  synthesis: { synthesis_id: string; title: string; version: number; published_at: string;
    paragraphs: { anchor: string; text: string }[] } | null;
  recommendations: Recommendation[];
  votes: Vote[];
}
