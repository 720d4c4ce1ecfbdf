-- Issue 21 (the DfE CSC feed), CIN census CINclosureDate / ReasonForClosure: the day a child's
-- social care episode, which starts with this referral, was closed, and why (the CIN census's
-- RC1-RC9 codes). Null while open. The API checks the order and the pairing first; these are the
-- backstop.
ALTER TABLE referrals
    ADD COLUMN closed_on date,
    ADD COLUMN closure_reason text CHECK (closure_reason IN ('RC1', 'RC2', 'RC3', 'RC4', 'RC5', 'RC6', 'RC7', 'RC8', 'RC9')),
    ADD CONSTRAINT referrals_closed_after_received CHECK (closed_on IS NULL OR closed_on >= received_on),
    ADD CONSTRAINT referrals_closure_reason_dated CHECK (closure_reason IS NULL OR closed_on IS NOT NULL);
