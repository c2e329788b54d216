-- With several nodes, the node that runs a live show records how many are in it beside its
-- lease, so that every node answers the same audience for the show, not only the nodes its
-- listeners are connected through.
ALTER TABLE live_show_owners ADD COLUMN audience BIGINT NOT NULL DEFAULT 0;
