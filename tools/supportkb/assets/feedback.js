/* supportkb: the feedback block at the end of a document. */
