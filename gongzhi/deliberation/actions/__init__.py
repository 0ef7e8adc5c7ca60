"""Every write of deliberation, one module per stage: topics (提), meetings (议), votes (决), items (做), evaluation
(评: ratings, surveys) and the weekly topic. Each is keyword-only, typed, one transaction, and moves state only
through the lifecycles of `gongzhi.deliberation.lifecycles`."""
