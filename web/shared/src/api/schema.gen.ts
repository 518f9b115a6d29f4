// Generated from api/openapi.yaml by openapi-typescript (web/shared/scripts/gen-api.mjs).
// Do not edit: change api/openapi.yaml, then run `npm run gen:api` in web/.

export interface paths {
    readonly "/healthz": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** Liveness: the process serves HTTP. */
        readonly get: operations["getHealthz"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/readyz": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** Readiness: the database answers and no migration is pending (warnings listed, still 200). */
        readonly get: operations["getReadyz"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/metrics": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** Prometheus metrics (keep off the public internet). */
        readonly get: operations["getMetrics"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/auth/login": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Sign in with an email and password.
         * @description In "cookie" mode (the default, for browsers) the access, refresh and
         *     CSRF tokens are set as cookies (trove_access, trove_refresh,
         *     trove_csrf; served over https: __Host-trove_access,
         *     __Secure-trove_refresh, __Host-trove_csrf) and the body carries only
         *     the CSRF token, which is bound to the session. In "bearer" mode (API
         *     clients) the tokens are in the body and no cookie is set.
         *     Unknown emails, wrong passwords and disabled accounts all answer the
         *     same 401. Every attempt counts against the account and the client
         *     address before the password is checked; past the limit the account
         *     or address is locked for a while (429), whatever the password.
         */
        readonly post: operations["login"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/auth/refresh": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Trade the refresh token for a new access token and a new refresh token.
         * @description API clients send {"refresh_token": …} and get bearer-mode tokens.
         *     Browsers send no body (or one without refresh_token): the refresh
         *     token is read from the refresh cookie, the X-CSRF-Token header must
         *     carry the session's CSRF token (the csrf_token of the sign-in, also in
         *     the CSRF cookie), and new cookies are set. The old refresh token is
         *     spent; presenting a spent token again ends the whole session. A
         *     failed cookie refresh clears the cookies, except a refused CSRF check
         *     (403), which changes nothing.
         */
        readonly post: operations["refreshSession"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/auth/signup": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Create a buyer account.
         * @description Does not sign in; sign in afterwards.
         */
        readonly post: operations["signup"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/auth/password-reset": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Mail a password reset link.
         * @description Always 202, whether or not the address has an (enabled) account.
         */
        readonly post: operations["requestPasswordReset"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/auth/password-reset/confirm": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Set a new password with a mailed reset token.
         * @description The token works once, for an hour. Every session of the account ends.
         */
        readonly post: operations["confirmPasswordReset"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/auth/invites/accept": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Accept a vendor team invitation, creating the account.
         * @description The token works once, until it expires (7 days) or is revoked. Does not sign in.
         */
        readonly post: operations["acceptInvite"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/auth/me": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** Who the caller is. */
        readonly get: operations["getMe"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/auth/logout": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * End the caller's session.
         * @description Clears the session cookies.
         */
        readonly post: operations["logout"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/auth/logout-all": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * End every session of the caller's account.
         * @description Clears the session cookies.
         */
        readonly post: operations["logoutEverywhere"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/profile": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** The caller's vendor. */
        readonly get: operations["getOwnVendor"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        /**
         * Change the caller's vendor's name or contact email (vendor owners).
         * @description Commission and status are the operators' to set: a body that names
         *     them (or any other field) is refused whole with 400. Absent or null
         *     fields stay as they are.
         */
        readonly patch: operations["updateOwnVendor"];
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/team": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** The caller's vendor's members and pending invites. */
        readonly get: operations["getOwnTeam"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/team/invites": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Invite someone to the caller's vendor's team (vendor owners).
         * @description The invitation is mailed; it lasts 7 days.
         */
        readonly post: operations["inviteToOwnTeam"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/team/invites/{inviteID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        readonly post?: never;
        /** Withdraw a pending invite of the caller's vendor (vendor owners). */
        readonly delete: operations["revokeInvite"];
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/team/members/{userID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        readonly post?: never;
        /**
         * Take a member off the team (vendor owners).
         * @description The account is disabled (kept for the audit trail) and its sessions
         *     end at once. The last active owner cannot be removed (409).
         */
        readonly delete: operations["removeMember"];
        readonly options?: never;
        readonly head?: never;
        /**
         * Change a team member's role (vendor owners).
         * @description The last active owner cannot be demoted (409).
         */
        readonly patch: operations["setMemberRole"];
        readonly trace?: never;
    };
    readonly "/api/v1/admin/vendors": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** List vendors, by name (at most 1000). */
        readonly get: operations["listVendors"];
        readonly put?: never;
        /** Add a vendor; it is pending until an operator approves it. */
        readonly post: operations["createVendor"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/vendors/{vendorID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorID: string;
            };
            readonly cookie?: never;
        };
        /** One vendor. */
        readonly get: operations["getVendor"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        /**
         * Change a vendor's name, contact email, commission or status.
         * @description Approve with status "active", suspend with "suspended" (a suspended
         *     vendor's users may read but not change anything). Absent or null
         *     fields stay as they are. The change is audited with its before and
         *     after.
         */
        readonly patch: operations["updateVendor"];
        readonly trace?: never;
    };
    readonly "/api/v1/admin/vendors/{vendorID}/invites": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Invite someone to a vendor's team.
         * @description The invitation is mailed; it lasts 7 days.
         */
        readonly post: operations["inviteToVendorTeam"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/users": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** List accounts, oldest first (at most 500). */
        readonly get: operations["listUsers"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/users/{userID}/disable": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Disable an account; every session of it ends at once.
         * @description Operators cannot disable their own account (409).
         */
        readonly post: operations["disableUser"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/users/{userID}/enable": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Enable a disabled account again.
         * @description Operators cannot enable their own account (409).
         */
        readonly post: operations["enableUser"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/audit": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** The audit log, newest first. */
        readonly get: operations["queryAuditLog"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/jobs/dead": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** Dead jobs, newest first, with their last error. */
        readonly get: operations["listDeadJobs"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/jobs/retry": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /** Retry every dead job of a kind from its first attempt. */
        readonly post: operations["retryDeadJobsOfKind"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/jobs/{jobID}/retry": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /** Retry one dead job from its first attempt. */
        readonly post: operations["retryDeadJob"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/jobs/{jobID}/discard": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /** Give up on a dead job for good; the reason goes to the audit log. */
        readonly post: operations["discardDeadJob"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/jobs/dlq/redrive": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /** Move the SQS dead-letter queue back to the main queue (sqs driver only). */
        readonly post: operations["redriveDeadLetterQueue"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/store/categories": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** The fixed list of gift categories. */
        readonly get: operations["listCategories"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/store/products": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * Search the storefront's products.
         * @description Only visible products appear: listed by their vendor, not hidden by an
         *     operator, active in Shopify (not draft, archived or deleted), with at
         *     least one live variant, of an active vendor whose Shopify store is
         *     connected. Filters combine with AND. Pages follow each other with
         *     next_cursor, which belongs to its sort: pass it back with the same sort
         *     (any filters) to get the next page; no product appears twice and none
         *     is skipped while the catalog does not change.
         */
        readonly get: operations["listStoreProducts"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/store/products/{productID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * A visible product with its live variants.
         * @description A product that is not visible (see the list) answers 404, as one that does not exist.
         */
        readonly get: operations["getStoreProduct"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/store/bundles": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * The active bundles, by name, with their availability.
         * @description A bundle is available only while every part is visible (as products
         *     are) and in stock in the bundle's quantity. Parts that are not visible
         *     are left out of items.
         */
        readonly get: operations["listStoreBundles"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/store/bundles/{bundleID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** An active bundle, by id or slug. */
        readonly get: operations["getStoreBundle"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/store/carts": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Start a cart (a guest), or get the signed-in buyer's open cart.
         * @description A guest (no session) gets a new cart and its token, cart_token, which
         *     is given only in this answer: keep it and send it as X-Cart-Token with
         *     every request about the cart and its order. Only its SHA-256 is
         *     stored. A signed-in buyer has at most one open cart: this answers it
         *     (201 if it was made now, 200 if it existed), and needs no token. A
         *     signed-in caller who is not a buyer gets 403.
         */
        readonly post: operations["createCart"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/store/carts/{cartID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /**
                 * @description A guest cart's token (the cart_token answered when the cart was made).
                 *     Signed-in buyers need none for their own carts and orders.
                 */
                readonly "X-Cart-Token"?: components["parameters"]["CartToken"];
            };
            readonly path: {
                readonly cartID: components["parameters"]["CartID"];
            };
            readonly cookie?: never;
        };
        /**
         * The cart, priced now.
         * @description Prices always come from the catalog now, never from the client. Each
         *     line shows its unit price and total now, how many could be bought now,
         *     and its problems: not_available (unlisted, hidden, deleted, an archived
         *     bundle or one with such a part), out_of_stock, insufficient_stock
         *     (fewer left than the cart's lines want together: a bundle's part and a
         *     single line of the same variant draw on the same stock),
         *     currency_mismatch, price_changed (since the line was added; the only
         *     problem that does not stop checkout), total_too_large (the line's
         *     total is more than one payment can be; field quantity). The cart's own
         *     problems: empty, email_required (guests), recipient_incomplete and
         *     delivery_date_past (each with the field), and total_too_large (field
         *     lines: the total is more than one payment can be, 999,999.99 USD;
         *     subtotal is null when it cannot even be added up). A price rise can
         *     bring a cart there; lowering a quantity is always allowed. ready_for_checkout is true when nothing stops
         *     checkout. Another buyer's cart, or a guest cart without its token,
         *     answers 404.
         */
        readonly get: operations["getCart"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        /**
         * Set the cart's email (guests), gift message and recipient.
         * @description Absent fields stay as they are. The recipient is replaced whole, and
         *     may be incomplete until checkout; null removes it. A checked-out cart
         *     answers 409.
         */
        readonly patch: operations["updateCart"];
        readonly trace?: never;
    };
    readonly "/api/v1/store/carts/{cartID}/lines": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /**
                 * @description A guest cart's token (the cart_token answered when the cart was made).
                 *     Signed-in buyers need none for their own carts and orders.
                 */
                readonly "X-Cart-Token"?: components["parameters"]["CartToken"];
            };
            readonly path: {
                readonly cartID: components["parameters"]["CartID"];
            };
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Add a variant or a bundle.
         * @description The item must be visible on the storefront (a bundle active with every
         *     part visible; anything else is a 404) and in stock for the line's
         *     whole quantity (else 409). The same item for the same recipient and
         *     message adds to its line. A cart has one currency (another is a 409)
         *     and at most 100 lines. A line that would take the cart's total past
         *     what one payment can be (99,999,999 minor units) is a 400 on quantity
         *     and changes nothing.
         */
        readonly post: operations["addCartLine"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/store/carts/{cartID}/lines/{lineID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /**
                 * @description A guest cart's token (the cart_token answered when the cart was made).
                 *     Signed-in buyers need none for their own carts and orders.
                 */
                readonly "X-Cart-Token"?: components["parameters"]["CartToken"];
            };
            readonly path: {
                readonly cartID: components["parameters"]["CartID"];
                readonly lineID: string;
            };
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        readonly post?: never;
        /** Remove a line. */
        readonly delete: operations["removeCartLine"];
        readonly options?: never;
        readonly head?: never;
        /**
         * Change a line's quantity, gift message or recipient.
         * @description Absent fields stay as they are; an empty gift message or a null
         *     recipient makes the cart's apply. A larger quantity must be in stock,
         *     and must not take the cart's total past what one payment can be (400
         *     on quantity). The line's price_when_added becomes today's price. Two lines cannot
         *     hold the same item for the same recipient and message (409).
         */
        readonly patch: operations["updateCartLine"];
        readonly trace?: never;
    };
    readonly "/api/v1/store/carts/{cartID}/checkout": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /**
                 * @description A guest cart's token (the cart_token answered when the cart was made).
                 *     Signed-in buyers need none for their own carts and orders.
                 */
                readonly "X-Cart-Token"?: components["parameters"]["CartToken"];
            };
            readonly path: {
                readonly cartID: components["parameters"]["CartID"];
            };
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Check the cart out, and start paying.
         * @description In one transaction: every line is priced from the catalog now and
         *     must be for sale and in stock (else 409, naming the items), the
         *     recipient complete and, for a guest, the email given (else 400, a
         *     field per gap); the stock is held for the reservation time (bundles
         *     expanded into their parts); the order is written
         *     (pending_payment) with its lines and one vendor order per vendor and
         *     recipient; the cart is checked out. Then the payment (a Stripe
         *     PaymentIntent for the total) is started, and its client secret
         *     answered for Stripe.js.
         *
         *     Checking out the same cart again answers the same order and payment
         *     (200): a double click makes one order and one payment. If the payment
         *     could not be started, the answer is a 503 whose detail names the
         *     order; the order stays awaiting payment with its stock held, and
         *     checking out again retries. After a failed payment, checking out
         *     again holds the stock again (409 if it is gone) for another try. An
         *     expired or canceled order is answered without a payment.
         */
        readonly post: operations["checkout"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/store/orders": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** The signed-in buyer's orders, newest first. */
        readonly get: operations["listOwnOrders"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/store/orders/{orderID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /**
                 * @description A guest cart's token (the cart_token answered when the cart was made).
                 *     Signed-in buyers need none for their own carts and orders.
                 */
                readonly "X-Cart-Token"?: components["parameters"]["CartToken"];
            };
            readonly path: {
                readonly orderID: string;
            };
            readonly cookie?: never;
        };
        /**
         * An order and its status.
         * @description A signed-in buyer sees their own orders; a guest sees the order of the
         *     cart whose token they send. Any other order answers 404.
         */
        readonly get: operations["getOwnOrder"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/store/subscriptions": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** The signed-in buyer's gifting plans, newest first. */
        readonly get: operations["listOwnSubscriptions"];
        readonly put?: never;
        /**
         * Subscribe to a recurring bundle (a corporate gifting plan) for a list of recipients.
         * @description Billed with Stripe every month or quarter: bundle price x number of
         *     recipients, which is one charge and so at most 99,999,999 minor units
         *     (999,999.99 USD; past it a 400 on recipients, or on bundle_id for a
         *     bundle priced past it, and nothing is made). Each paid invoice becomes that period's order (one per
         *     invoice), with a line per recipient and bundle part. When the first
         *     invoice cannot be charged at once, `payment.client_secret` is the
         *     client secret to confirm, like a checkout's.
         */
        readonly post: operations["subscribe"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/store/subscriptions/{subscriptionID}/cancel": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly subscriptionID: string;
            };
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Cancel one of the buyer's own plans now.
         * @description Cancels the Stripe subscription (no further invoices or orders) and
         *     the plan. Canceling a canceled plan answers it as it is; another
         *     buyer's plan answers 404.
         */
        readonly post: operations["cancelSubscription"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/catalog/products": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * Every synced product of the caller's vendor, newest first, with sync status and visibility.
         * @description Products deleted in Shopify are included (status deleted) unless filtered out.
         */
        readonly get: operations["listOwnProducts"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/catalog/products/{productID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly productID: string;
            };
            readonly cookie?: never;
        };
        /**
         * One product of the caller's vendor.
         * @description Another vendor's product answers 404.
         */
        readonly get: operations["getOwnProduct"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        /**
         * List or unlist a product and set its gifting details (vendor owners and staff).
         * @description Absent or null fields stay as they are. Title, description, prices,
         *     stock and Shopify status come from Shopify and the hidden flag is the
         *     operators': a body naming them (or any other field) is refused whole
         *     with 400. A product deleted in Shopify cannot be listed (409). The
         *     change is audited (product.curated).
         */
        readonly patch: operations["curateOwnProduct"];
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/catalog/resync": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /** Sync the caller's vendor's catalog from Shopify again (vendor owners and staff). */
        readonly post: operations["resyncOwnCatalog"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/catalog/products": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** Synced products of every vendor (or one), newest first. */
        readonly get: operations["listProducts"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/catalog/products/{productID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** Any synced product. */
        readonly get: operations["getProduct"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/catalog/products/{productID}/hide": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Hide a product from the storefront, whatever its vendor says.
         * @description Audited (product.hidden) with who, before, after and the reason. Hiding a hidden product changes and records nothing.
         */
        readonly post: operations["hideProduct"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/catalog/products/{productID}/unhide": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Let a hidden product back on the storefront (if its vendor lists it).
         * @description Audited (product.unhidden) with who, before, after and the reason.
         */
        readonly post: operations["unhideProduct"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/catalog/bundles": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** Bundles, by name (at most 1000), with every part's state. */
        readonly get: operations["listBundles"];
        readonly put?: never;
        /**
         * Create a bundle (active at once).
         * @description Every part must be a live variant (not deleted in Shopify), once,
         *     priced in the bundle's currency. Every bad field is listed in the
         *     400's errors. A taken slug is a 409. Audited (bundle.created).
         */
        readonly post: operations["createBundle"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/catalog/bundles/{bundleID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly bundleID: string;
            };
            readonly cookie?: never;
        };
        /** One bundle, every part included. */
        readonly get: operations["getBundle"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        /**
         * Change a bundle; archive it with status "archived".
         * @description Absent or null fields stay as they are; items, when sent, replace the
         *     parts whole (checked as on create). An archived bundle leaves the
         *     storefront. Audited (bundle.updated, or bundle.archived).
         */
        readonly patch: operations["updateBundle"];
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/shopify": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** The caller's vendor's Shopify connection (or that there is none). */
        readonly get: operations["getShopifyConnection"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/shopify/connect": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /** Start connecting the caller's vendor to its Shopify store (owners); answers the URL to send the browser to. */
        readonly post: operations["connectShopify"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/shopify/connections": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** Every vendor's Shopify connection, for operators (?status=connected|broken|uninstalled). */
        readonly get: operations["listShopifyConnections"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/orders/{orderID}/refunds": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly orderID: string;
            };
            readonly cookie?: never;
        };
        /** An order's refund position (paid, refunded, per line) and its refunds, oldest first. */
        readonly get: operations["listOrderRefunds"];
        readonly put?: never;
        /**
         * Refund a paid order, lines of it, or an amount.
         * @description Give lines (line ids and units), or an amount, or neither for all
         *     that is left of the order. An amount is allocated to the vendor
         *     orders with what is left on each as weights, and within each to its
         *     lines; a line refund is worth the refunded units' share of the line
         *     (all its units sum to the line's amount). Every split sums to the
         *     cent. restock (lines or the whole order) puts the units back into
         *     stock. In one transaction under the order's row locks: checked
         *     against what is left per order, vendor order and line, the refund
         *     written (pending) with its allocation, the order's counters moved, an
         *     audit entry, and the Stripe refund queued (idempotency key: the
         *     refund id). Stripe refusing it later marks it failed and gives
         *     everything back.
         *
         *     Repeats: the same idempotency_key (in the body, or the
         *     Idempotency-Key header), sent by the same user, answers the refund it
         *     made (200), or 409 if it was used for another request. Without a key, the same
         *     request by the same operator within 10 minutes answers the first
         *     refund (200): a double click refunds once.
         *
         *     400: every bad field. 404: no such order. 409: the order is not paid
         *     (or is disputed), or more than is left would be refunded.
         */
        readonly post: operations["refundOrder"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/orders": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * The caller's vendor's paid orders, newest accepted first.
         * @description Unpaid orders are not listed. Filters: status (comma-separated), the
         *     day accepted (from inclusive, to exclusive, UTC dates), q (part of the
         *     vendor order id, the order id or the recipient's name).
         */
        readonly get: operations["listVendorOrders"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/orders/{vendorOrderID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        /** One of the caller's vendor's paid orders; another vendor's answers 404. */
        readonly get: operations["getVendorOrder"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/orders/{vendorOrderID}/fulfilment": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Move the vendor order (packed, shipped, delivered, cancelled) and set its tracking.
         * @description Forward only: accepted -> packed -> shipped -> delivered (steps may
         *     be skipped); cancelled from accepted or packed. Repeating the current
         *     status changes nothing but may add tracking; empty tracking fields
         *     keep what is stored. A move backwards, out of cancelled, or to
         *     cancelled after shipping answers 409 and changes nothing. Moves made
         *     in Shopify arrive by its webhooks.
         */
        readonly post: operations["updateVendorOrderFulfilment"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/orders/{vendorOrderID}/manifest": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        /**
         * A short-lived link to the vendor order's packing manifest (PDF).
         * @description The manifest is rendered afresh first when the order changed since
         *     it was last rendered. Another vendor's order answers 404.
         */
        readonly get: operations["getVendorOrderManifest"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/manifests/batch": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * One PDF with the manifests of the day's open orders, and a short-lived link to it.
         * @description Every vendor order of the caller's vendor accepted on the date (UTC;
         *     default today) and still accepted or packed, oldest first. 404 when
         *     there is none.
         */
        readonly post: operations["createManifestBatch"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/vendor-orders/{vendorOrderID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        /** Any vendor order, paid or not (operators). */
        readonly get: operations["adminGetVendorOrder"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/vendor-orders/{vendorOrderID}/fulfilment": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /** Move any vendor order, as the vendor can (operators). */
        readonly post: operations["adminUpdateVendorOrderFulfilment"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/vendor-orders/{vendorOrderID}/manifest": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        /** A short-lived link to any paid vendor order's packing manifest (operators). */
        readonly get: operations["adminGetVendorOrderManifest"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/orders/{vendorOrderID}/refunds": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        /**
         * The caller's vendor order's refund position (its lines) and the refunds touching it.
         * @description Each refund is cut to this vendor order: amount is its share, and the
         *     allocation lists only its lines. Another vendor's vendor order
         *     answers 404.
         */
        readonly get: operations["listVendorOrderRefunds"];
        readonly put?: never;
        /**
         * Refund lines of the caller's own vendor order, within the refund window after payment.
         * @description As the operators' refund of lines, confined to this vendor order, and
         *     only within the vendor refund window (30 days after payment by
         *     default; 403 after it). Another vendor's vendor order answers 404 and
         *     changes nothing.
         */
        readonly post: operations["refundVendorOrder"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/finance/balance": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * The caller's vendor's balance per currency, with the next payout's date and estimate.
         * @description open: every entry not paid out yet; due: what a cycle would pay now; on_hold: what waits for shipping or the hold. estimate: what the next scheduled cycle would pay.
         */
        readonly get: operations["getVendorBalance"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/finance/entries": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** The caller's vendor's ledger entries, newest first (JSON pages, or CSV of all with format=csv). */
        readonly get: operations["listVendorLedger"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/finance/orders": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** Per vendor order: sale, commission (net of what refunds gave back), refunds, net, and the payouts that paid it. */
        readonly get: operations["listVendorOrderEarnings"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/finance/payouts": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** The caller's vendor's payouts, newest first, with their Xero bill number and status. */
        readonly get: operations["listVendorPayouts"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/finance/payouts/{payoutID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly payoutID: string;
            };
            readonly cookie?: never;
        };
        /** One of the caller's vendor's payouts with its lines; another vendor's answers 404. */
        readonly get: operations["getVendorPayout"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/finance/account": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** The caller's vendor's Stripe Connect payout account (re-read from Stripe while it is not ready). */
        readonly get: operations["getPayoutAccount"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/vendor/finance/account/onboarding": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /** A Stripe Connect onboarding link for the caller's vendor (owners); makes its Express account first if it has none. */
        readonly post: operations["startPayoutOnboarding"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/payouts/cycles": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** The latest payout cycles, newest first, with the vendors each skipped and why. */
        readonly get: operations["listPayoutCycles"];
        readonly put?: never;
        /**
         * Run a payout cycle now.
         * @description Pays every vendor its settled open entries (vendor orders shipped at least the hold ago, or cancelled; adjustments). An entry is paid once, however many cycles run.
         */
        readonly post: operations["runPayoutCycle"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/payouts": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** Payouts, newest first. */
        readonly get: operations["listPayouts"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/payouts/{payoutID}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly payoutID: string;
            };
            readonly cookie?: never;
        };
        /** One payout with its lines. */
        readonly get: operations["getPayout"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/payouts/{payoutID}/retry": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly payoutID: string;
            };
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Start again what a payout still lacks (its transfer, or its Xero contact, bill and payment), then check it.
         * @description Every step finds its finished work and moves on, so retrying a
         *     complete payout only re-checks it. A failed payout answers 409: its
         *     entries went back to the next cycle.
         */
        readonly post: operations["retryPayout"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/vendors/{vendorID}/ledger/adjustments": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorID: string;
            };
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /** Post an adjustment to a vendor's ledger (audited). */
        readonly post: operations["adjustLedger"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/xero": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** The platform's Xero connection (never its tokens). */
        readonly get: operations["getXeroConnection"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/xero/connect": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /** Start connecting the platform's Xero organisation: the consent URL to send the browser to. */
        readonly post: operations["connectXero"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/xero/tenant": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /** Choose which granted organisation Trove books into. */
        readonly post: operations["chooseXeroTenant"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/reconciliation": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * The reconciliation report: each payout's ledger, payout, Stripe and Xero figures and its verdict.
         * @description Every figure is net of what came back (reversals, credit notes and their refunds). reconciled: all five agree; mismatch: they disagree; incomplete: a document is missing; unchecked: never checked yet.
         */
        readonly get: operations["getReconciliation"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/api/v1/admin/reconciliation/check": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /** Re-check one payout, or every one not reconciled yet, against Stripe and Xero now. */
        readonly post: operations["checkReconciliation"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/oauth/xero/callback": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * Xero's OAuth callback, reached by the browser of the operator who started the connection.
         * @description Checks the sealed state (that operator, not expired), exchanges the code, lists the granted organisations, stores the tokens sealed and redirects to the operators' app.
         */
        readonly get: operations["xeroOAuthCallback"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/oauth/shopify/callback": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * Shopify's OAuth callback, reached by the browser of the vendor owner who started the install.
         * @description Checks the hmac, the single-use state nonce (bound to that user and shop) and the shop host, exchanges the code for an expiring offline token pair, stores it sealed, and redirects to the vendor admin.
         */
        readonly get: operations["shopifyOAuthCallback"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/webhooks/shopify": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Shopify webhooks (catalog topics, app/uninstalled and the mandatory compliance topics).
         * @description The raw body's HMAC (X-Shopify-Hmac-Sha256) is checked (401 when wrong, recorded nowhere). Only the body is signed, so the headers are checked too: where the topic's body names the shop (app/uninstalled, the compliance topics) it must be X-Shopify-Shop-Domain, and X-Shopify-Triggered-At must be within the last 6 hours (Shopify retries for 4) and not more than 5 minutes ahead. A delivery that fails these checks answers 400 naming the header, is recorded as refused with why, and no job runs. Otherwise the delivery is recorded under X-Shopify-Event-Id (a redelivery answers 200 and changes nothing) and processed by a job, which re-reads the object from the shop and confirms app/uninstalled and shop/redact with Shopify before erasing anything.
         */
        readonly post: operations["shopifyWebhook"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/webhooks/stripe": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Stripe events of the platform's account (payment intents, refunds, disputes, invoices, subscriptions, transfer reversals).
         * @description The Stripe-Signature header is checked (300 s tolerance, every configured secret of the platform's endpoint, API version 2023-10-16, livemode the secret key's); the event is recorded under its evt_ id, with its secrets (client_secret and the like) removed (a redelivery answers 200 and changes nothing), and processed by a job. An event of a connected account (account set), which Stripe sends to Connect endpoints only, is refused with 400 and recorded with why.
         */
        readonly post: operations["stripeWebhook"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/webhooks/stripe/connect": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * Stripe events of the vendors' connected accounts (the Connect endpoint, registered with connect=true).
         * @description Checked as /webhooks/stripe, with the Connect endpoint's secrets (TROVE_STRIPE_CONNECT_WEBHOOK_SECRET). Every event must name its connected account (account); one without (the platform's own) is refused with 400 and recorded with why. account.updated is processed by a job (the account is re-read); other events are recorded.
         */
        readonly post: operations["stripeConnectWebhook"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        readonly ShopifyConnection: {
            readonly vendor_id: string;
            readonly shop_domain: string;
            /** @enum {string} */
            readonly status: "connected" | "broken" | "uninstalled";
            readonly shop_name: string;
            readonly currency: string;
            readonly scopes: string;
            /** Format: date-time */
            readonly last_sync_at: string | null;
            /** @description Why the connection broke or the last sync failed. */
            readonly last_error: string | null;
            /** Format: date-time */
            readonly connected_at: string;
            /** Format: date-time */
            readonly updated_at: string;
        };
        /** @enum {string} */
        readonly Role: "platform_admin" | "vendor_owner" | "vendor_staff" | "buyer";
        /** @description An account as the API shows it. */
        readonly User: {
            readonly id: string;
            readonly email: string;
            readonly name: string;
            readonly role: components["schemas"]["Role"];
            /** @description The user's vendor; present only for vendor_owner and vendor_staff. */
            readonly vendor_id?: string;
        };
        /**
         * @description The answer to a sign-in or refresh. expires_at is always there (when
         *     the access token expires). Cookie mode: csrf_token, the value to echo
         *     in the X-CSRF-Token header, bound to the session (the tokens
         *     themselves are in cookies).
         *     Bearer mode: access_token, refresh_token and token_type "Bearer".
         *     A sign-in adds user.
         */
        readonly Session: {
            /** Format: date-time */
            readonly expires_at: string;
            readonly csrf_token?: string;
            readonly access_token?: string;
            readonly refresh_token?: string;
            /** @enum {string} */
            readonly token_type?: "Bearer";
            readonly user?: components["schemas"]["User"];
        } & (unknown | unknown);
        /** @enum {string} */
        readonly VendorStatus: "pending" | "active" | "suspended";
        /** @description An independent shop selling through Trove. */
        readonly Vendor: {
            readonly id: string;
            readonly slug: string;
            readonly name: string;
            readonly contact_email: string;
            /** @description The platform's commission in basis points (100 = 1%). */
            readonly commission_bps: number;
            readonly status: components["schemas"]["VendorStatus"];
            /** @description ISO 4217 code. */
            readonly currency: string;
            /** Format: date-time */
            readonly created_at: string;
            /** Format: date-time */
            readonly updated_at: string;
        };
        /** @description A user of a vendor's team, as the team sees it. */
        readonly Member: {
            readonly id: string;
            readonly email: string;
            readonly name: string;
            /** @enum {string} */
            readonly role: "vendor_owner" | "vendor_staff";
            /**
             * Format: date-time
             * @description Present only for a disabled (removed) member.
             */
            readonly disabled_at?: string;
            /** Format: date-time */
            readonly created_at: string;
        };
        readonly InviteRequest: {
            readonly email: string;
            /** @enum {string} */
            readonly role: "vendor_owner" | "vendor_staff";
        };
        /** @description A pending invitation to join a vendor's team. The vendor is not part of the answer. */
        readonly Invite: {
            readonly id: string;
            readonly email: string;
            /** @enum {string} */
            readonly role: "vendor_owner" | "vendor_staff";
            /** @description The inviting user's id. */
            readonly invited_by: string;
            /** Format: date-time */
            readonly created_at: string;
            /** Format: date-time */
            readonly expires_at: string;
        };
        /** @description One audited action. */
        readonly AuditEntry: {
            /** Format: int64 */
            readonly id: number;
            /** Format: date-time */
            readonly at: string;
            /** @enum {string} */
            readonly actor_type: "user" | "system" | "provider";
            readonly actor_id: string;
            /** @description The vendor whose data this touches; null if none. */
            readonly vendor_id: string | null;
            /** @description Such as vendor.updated or job.discarded. */
            readonly action: string;
            readonly object_type: string;
            readonly object_id: string;
            /** @description The object (or the changed fields) before the action: any JSON value, or null. */
            readonly before: {
                readonly [key: string]: unknown;
            } | readonly unknown[] | string | number | boolean | null;
            /** @description The object (or the changed fields) after the action: any JSON value, or null. */
            readonly after: {
                readonly [key: string]: unknown;
            } | readonly unknown[] | string | number | boolean | null;
            readonly reason: string;
            readonly request_id: string;
        };
        readonly Status: {
            /** @enum {string} */
            readonly status: "ok" | "ready";
            /**
             * @description /readyz only, when a check passes but needs attention soon (the
             *     Shopify API version within 90 days of its end of support, or
             *     answered by another version): "check: what is wrong".
             */
            readonly warnings?: readonly string[];
        };
        readonly DeadJob: {
            readonly id: string;
            readonly kind: string;
            readonly handler: string;
            /** @description The job's JSON payload. */
            readonly payload: string;
            readonly attempts: number;
            readonly last_error: string;
            /** Format: date-time */
            readonly enqueued_at: string;
            /** Format: date-time */
            readonly finished_at: string;
        };
        readonly Problem: {
            readonly type: string;
            readonly title: string;
            readonly status: number;
            /** @description What is wrong, in words the caller can act on. */
            readonly detail?: string;
            readonly instance?: string;
            /** @description Also in the X-Request-Id header and the server's logs. */
            readonly request_id?: string;
            /** @description One entry per bad input field. */
            readonly errors?: readonly {
                readonly field: string;
                readonly message: string;
            }[];
        };
        /**
         * @description An amount in minor units (cents for USD) of an ISO 4217 currency.
         *     One price, charge or refund is at most 99,999,999 minor units; a sum
         *     (a balance, a payout, a report's total) may be larger.
         */
        readonly Money: {
            /** Format: int64 */
            readonly amount: number;
            readonly currency: string;
        };
        /**
         * @description An amount entering Trove in a request: at most 99,999,999 minor units
         *     (999,999.99 USD), Stripe's ceiling for one charge. Past it the answer
         *     is a 400 naming the field (…amount) and nothing changes.
         */
        readonly MoneyIn: {
            /** Format: int64 */
            readonly amount: number;
            readonly currency: string;
        };
        /** @description A price or refund entering Trove in a request, from 1 to 99,999,999 minor units (see MoneyIn). */
        readonly PositiveMoneyIn: {
            /** Format: int64 */
            readonly amount: number;
            readonly currency: string;
        };
        /** @description A correction entering Trove in a request, of either sign, at most 99,999,999 minor units in size (see MoneyIn). */
        readonly SignedMoneyIn: {
            /** Format: int64 */
            readonly amount: number;
            readonly currency: string;
        };
        readonly Category: {
            readonly slug: string;
            readonly name: string;
        };
        readonly StoreVendor: {
            readonly slug: string;
            readonly name: string;
        };
        /** @description A visible product as buyers see it. variants is there in the detail only. */
        readonly StoreProduct: {
            readonly id: string;
            readonly title: string;
            readonly description: string;
            readonly image_url: string;
            /** @description A category slug, or empty. */
            readonly category: string;
            /** @description The vendor's gifting tags. */
            readonly tags: readonly string[];
            readonly gift_ready: boolean;
            readonly vendor: components["schemas"]["StoreVendor"];
            readonly price_min: components["schemas"]["Money"];
            readonly price_max: components["schemas"]["Money"];
            /** @description A live variant is in stock. */
            readonly in_stock: boolean;
            readonly variants?: readonly components["schemas"]["StoreVariant"][];
        };
        readonly StoreProductPage: {
            readonly products: readonly components["schemas"]["StoreProduct"][];
            /** @description Empty on the last page. */
            readonly next_cursor: string;
        };
        readonly StoreVariant: {
            readonly id: string;
            readonly title: string;
            readonly sku: string;
            readonly price: components["schemas"]["Money"];
            readonly available: number;
        };
        /** @description A bundle as buyers see it; only its visible parts are in items. */
        readonly StoreBundle: {
            readonly id: string;
            readonly slug: string;
            readonly name: string;
            readonly description: string;
            readonly image_url: string;
            readonly price: components["schemas"]["Money"];
            /** @description Every part is visible and in stock in its quantity. */
            readonly available: boolean;
            readonly items: readonly {
                readonly product_id: string;
                readonly variant_id: string;
                readonly title: string;
                readonly variant_title: string;
                readonly image_url: string;
                readonly vendor: components["schemas"]["StoreVendor"];
                readonly quantity: number;
                readonly in_stock: boolean;
            }[];
        };
        /**
         * @description A synced product as its vendor and operators see it: Shopify's data,
         *     the vendor's curation, the operator's flag, sync times, and whether it
         *     is on the storefront (and if not, why).
         */
        readonly CatalogProduct: {
            readonly id: string;
            readonly vendor_id: string;
            readonly shopify_product_id: string;
            readonly title: string;
            readonly description: string;
            readonly image_url: string;
            /**
             * @description Shopify's status, or deleted once Shopify removed the product.
             * @enum {string}
             */
            readonly status: "active" | "draft" | "archived" | "deleted";
            readonly shopify_tags: readonly string[];
            readonly category: string;
            readonly gift_tags: readonly string[];
            readonly gift_ready: boolean;
            readonly listed: boolean;
            readonly hidden_by_operator: boolean;
            /** @description On the storefront now. */
            readonly visible: boolean;
            readonly not_visible_because: readonly ("not_listed" | "hidden_by_operator" | "not_active_in_shopify" | "deleted_in_shopify" | "no_variants" | "vendor_not_active" | "store_not_connected")[];
            /** @description Lowest live variant price; null without live variants. */
            readonly price_min: components["schemas"]["Money"] | null;
            readonly price_max: components["schemas"]["Money"] | null;
            /**
             * Format: date-time
             * @description Shopify time of the newest event applied.
             */
            readonly shopify_updated_at: string | null;
            /**
             * Format: date-time
             * @description When Trove last applied Shopify data.
             */
            readonly synced_at: string | null;
            /** Format: date-time */
            readonly deleted_at: string | null;
            /** Format: date-time */
            readonly created_at: string;
            /** Format: date-time */
            readonly updated_at: string;
            /** @description Live variants first, then deleted ones. */
            readonly variants: readonly components["schemas"]["CatalogVariant"][];
        };
        readonly CatalogVariant: {
            readonly id: string;
            readonly shopify_variant_id: string;
            readonly shopify_inventory_item_id: string | null;
            readonly sku: string;
            readonly title: string;
            readonly price: components["schemas"]["Money"];
            /** @description Shopify's available stock over the vendor's locations. */
            readonly stock_on_hand: number;
            /** Format: date-time */
            readonly stock_updated_at: string | null;
            /** Format: date-time */
            readonly deleted_at: string | null;
        };
        readonly ReasonRequest: {
            /** @description Kept in the audit log. */
            readonly reason?: string;
        };
        readonly BundleItemInput: {
            readonly variant_id: string;
            readonly quantity: number;
        };
        /** @description A bundle as operators see it, every part with its state. */
        readonly Bundle: {
            readonly id: string;
            readonly slug: string;
            readonly name: string;
            readonly description: string;
            readonly image_url: string;
            readonly price: components["schemas"]["Money"];
            /** @enum {string} */
            readonly status: "active" | "archived";
            /** @description Active, and every part visible and in stock in its quantity. */
            readonly available: boolean;
            readonly items: readonly {
                readonly variant_id: string;
                readonly product_id: string;
                readonly vendor_id: string;
                readonly product_title: string;
                readonly variant_title: string;
                readonly sku: string;
                readonly price: components["schemas"]["Money"];
                readonly quantity: number;
                readonly stock_on_hand: number;
                /** @description The part's product is on the storefront and the variant is live. */
                readonly visible: boolean;
                /** @description The stock covers the quantity. */
                readonly in_stock: boolean;
            }[];
            readonly created_by: string;
            /** Format: date-time */
            readonly created_at: string;
            /** Format: date-time */
            readonly updated_at: string;
        };
        readonly SubscribeInput: {
            readonly bundle_id: string;
            /** @enum {string} */
            readonly interval: "monthly" | "quarterly";
            /** @description Each complete (name, an address line, city, postal_code, country). */
            readonly recipients: readonly components["schemas"]["RecipientInput"][];
            readonly gift_message?: string;
        };
        /** @description A corporate gifting plan. */
        readonly Subscription: {
            /** @description sub_… */
            readonly id: string;
            readonly bundle_id: string;
            /** @enum {string} */
            readonly interval: "monthly" | "quarterly";
            readonly recipients: readonly components["schemas"]["Recipient"][];
            readonly gift_message: string;
            readonly unit_price: components["schemas"]["Money"];
            readonly amount: components["schemas"]["Money"];
            /**
             * @description incomplete: the first invoice is not paid yet; past_due: a renewal
             *     failed (Stripe retries it); canceled is final.
             * @enum {string}
             */
            readonly status: "incomplete" | "active" | "past_due" | "canceled";
            /** Format: date-time */
            readonly current_period_end: string | null;
            /** Format: date-time */
            readonly canceled_at: string | null;
            /** Format: date-time */
            readonly created_at: string;
        };
        /**
         * @description Who receives a gift, and where. Saved as given (trimmed; country
         *     upper-cased); checkout needs name, an address line, city, postal_code
         *     and country.
         */
        readonly Recipient: {
            readonly name: string;
            readonly address_lines: readonly string[];
            readonly city: string;
            /** @description State, province or county, where the address needs one. */
            readonly region: string;
            readonly postal_code: string;
            /** @description ISO 3166-1 alpha-2, such as US; empty until given. */
            readonly country: string;
            /**
             * Format: date
             * @description Optional: the day the gift should arrive (YYYY-MM-DD), today to a year ahead.
             */
            readonly delivery_date?: string;
        };
        /** @description A recipient as sent; any field may be left out until checkout. */
        readonly RecipientInput: {
            readonly name?: string;
            readonly address_lines?: readonly string[];
            readonly city?: string;
            readonly region?: string;
            readonly postal_code?: string;
            readonly country?: string;
            /** Format: date */
            readonly delivery_date?: string;
        };
        readonly CartProblem: {
            /**
             * @description Every code but price_changed stops checkout.
             * @enum {string}
             */
            readonly code: "not_available" | "out_of_stock" | "insufficient_stock" | "currency_mismatch" | "price_changed" | "empty" | "email_required" | "recipient_incomplete" | "delivery_date_past" | "total_too_large";
            /** @description What is wrong, in words a buyer can act on. */
            readonly message: string;
            /** @description The field to fix, such as email or recipient.city. */
            readonly field?: string;
        };
        readonly CartLine: {
            readonly id: string;
            /** @enum {string} */
            readonly kind: "variant" | "bundle";
            readonly variant_id: string | null;
            readonly bundle_id: string | null;
            readonly product_id: string | null;
            /** @description The product's title, or the bundle's name. */
            readonly title: string;
            readonly variant_title: string;
            readonly image_url: string;
            /** @description Variant lines. */
            readonly vendor: components["schemas"]["StoreVendor"] | null;
            /** @description Bundle lines: the visible parts, each with its quantity per bundle. */
            readonly parts: readonly {
                readonly variant_id: string;
                readonly product_id: string;
                readonly title: string;
                readonly variant_title: string;
                readonly vendor: components["schemas"]["StoreVendor"];
                readonly quantity: number;
            }[];
            readonly quantity: number;
            /** @description The catalog's price now; null when not for sale. */
            readonly unit_price: components["schemas"]["Money"] | null;
            readonly line_total: components["schemas"]["Money"] | null;
            readonly price_when_added: components["schemas"]["Money"];
            /** @description How many of this line could be bought now. */
            readonly available: number;
            /** @description The line's own; empty when the cart's applies. */
            readonly gift_message: string;
            /** @description The line's own; null when the cart's applies. */
            readonly recipient: components["schemas"]["Recipient"] | null;
            readonly problems: readonly components["schemas"]["CartProblem"][];
        };
        /** @description A cart, priced now from the catalog. */
        readonly Cart: {
            readonly id: string;
            /** @enum {string} */
            readonly status: "open" | "checked_out" | "abandoned";
            /** @description The cart's one currency; null while empty. */
            readonly currency: string | null;
            /** @description A guest's email, for the receipt (a buyer's is their account's). */
            readonly email: string;
            readonly gift_message: string;
            readonly recipient: components["schemas"]["Recipient"] | null;
            readonly lines: readonly components["schemas"]["CartLine"][];
            readonly item_count: number;
            /** @description The lines that can be bought now; null when none. */
            readonly subtotal: components["schemas"]["Money"] | null;
            readonly problems: readonly components["schemas"]["CartProblem"][];
            readonly ready_for_checkout: boolean;
            /** @description Once checked out. */
            readonly order_id: string | null;
            /** Format: date-time */
            readonly created_at: string;
            /** Format: date-time */
            readonly updated_at: string;
        };
        readonly CartCreated: {
            readonly cart: components["schemas"]["Cart"];
            /** @description Guests only, and only here: send it as X-Cart-Token. */
            readonly cart_token?: string;
        };
        readonly CartPatch: {
            readonly email?: string;
            readonly gift_message?: string;
            readonly recipient?: components["schemas"]["RecipientInput"] | null;
        };
        /** @description A variant_id or a bundle_id, not both. */
        readonly CartLineInput: {
            readonly variant_id?: string;
            readonly bundle_id?: string;
            readonly quantity: number;
            /** @description The line's own; leave out for the cart's. */
            readonly gift_message?: string;
            readonly recipient?: components["schemas"]["RecipientInput"];
        };
        readonly CartLinePatch: {
            readonly quantity?: number;
            readonly gift_message?: string;
            readonly recipient?: components["schemas"]["RecipientInput"] | null;
        };
        readonly CheckoutRequest: {
            /** @description The total the buyer was shown: if prices now make another, 409. */
            readonly expected_total?: components["schemas"]["MoneyIn"];
        };
        readonly CheckoutResult: {
            readonly order: components["schemas"]["Order"];
            /** @description Null unless the order awaits payment. */
            readonly payment: components["schemas"]["CheckoutPayment"] | null;
        };
        /** @description The order's payment, for Stripe.js. Never stored by Trove. */
        readonly CheckoutPayment: {
            readonly payment_intent_id: string;
            readonly client_secret: string;
        };
        /** @description An order as its buyer sees it. */
        readonly Order: {
            readonly id: string;
            /**
             * @description Derived from the vendor orders (cancelled ones left out while others remain).
             * @enum {string}
             */
            readonly fulfilment_status: "unfulfilled" | "partially_shipped" | "shipped" | "delivered" | "cancelled";
            /**
             * @description pending_payment: the items are held until reserved_until while the
             *     buyer pays. payment_failed: the items went back; pay again with the
             *     same payment, or check out the cart again. expired: unpaid in time,
             *     the items went back. paid and canceled are final.
             * @enum {string}
             */
            readonly status: "pending_payment" | "payment_failed" | "paid" | "canceled" | "expired";
            readonly currency: string;
            readonly subtotal: components["schemas"]["Money"];
            readonly total: components["schemas"]["Money"];
            readonly email: string;
            readonly gift_message: string;
            readonly recipient: components["schemas"]["Recipient"] | null;
            readonly item_count: number;
            /**
             * Format: date-time
             * @description While pending_payment.
             */
            readonly reserved_until: string | null;
            /** Format: date-time */
            readonly placed_at: string;
            /** Format: date-time */
            readonly paid_at: string | null;
            /** @description One per variant, a bundle's parts each a line (bundle_id set) sharing the bundle's price. */
            readonly lines: readonly {
                readonly line_no: number;
                readonly vendor_order_id: string;
                readonly product_id: string;
                readonly variant_id: string;
                readonly bundle_id: string | null;
                readonly title: string;
                readonly variant_title: string;
                readonly sku: string;
                readonly quantity: number;
                readonly unit_price: components["schemas"]["Money"];
                readonly amount: components["schemas"]["Money"];
            }[];
            /** @description One per vendor and recipient; each ships on its own. */
            readonly vendor_orders: readonly {
                readonly id: string;
                readonly vendor: components["schemas"]["StoreVendor"];
                readonly status: components["schemas"]["VendorOrderStatus"];
                readonly subtotal: components["schemas"]["Money"];
                readonly recipient: components["schemas"]["Recipient"];
                readonly gift_message: string;
                /** Format: date */
                readonly delivery_date: string | null;
                readonly tracking: components["schemas"]["Tracking"] | null;
                /** Format: date-time */
                readonly shipped_at: string | null;
                /** Format: date-time */
                readonly delivered_at: string | null;
            }[];
        };
        readonly Balance: {
            readonly currency: string;
            readonly open: components["schemas"]["Money"];
            readonly due: components["schemas"]["Money"];
            readonly on_hold: components["schemas"]["Money"];
            readonly paid_out: components["schemas"]["Money"];
            /** Format: date-time */
            readonly next_date: string;
            readonly estimate: components["schemas"]["Money"];
        };
        readonly LedgerEntry: {
            readonly id: string;
            readonly vendor_id: string;
            /**
             * @description dispute and dispute_commission: a lost dispute (chargeback) on the order, debited like a refund; transfer_reversal: a reversal of a payout's transfer made in Stripe, outside Trove.
             * @enum {string}
             */
            readonly kind: "sale" | "commission" | "refund" | "refund_commission" | "adjustment" | "dispute" | "dispute_commission" | "transfer_reversal";
            readonly amount: components["schemas"]["Money"];
            readonly order_id: string | null;
            readonly vendor_order_id: string | null;
            readonly refund_id: string | null;
            /** @description dsp_…: the lost dispute of a dispute or dispute_commission entry. */
            readonly dispute_id: string | null;
            readonly memo: string;
            /** @description The payout that settled it; null while open. */
            readonly payout_id: string | null;
            /** Format: date-time */
            readonly created_at: string;
        };
        /** @description What one vendor order brought its vendor, and the payouts that paid it. */
        readonly OrderEarnings: {
            readonly vendor_order_id: string;
            readonly order_id: string;
            readonly sale: components["schemas"]["Money"];
            readonly commission: components["schemas"]["Money"];
            /** @description What refunds and lost disputes (chargebacks) took back. */
            readonly refunds: components["schemas"]["Money"];
            readonly net: components["schemas"]["Money"];
            /** Format: date-time */
            readonly first_posted_at: string;
            readonly payout_ids: readonly string[];
        };
        readonly Payout: {
            readonly id: string;
            readonly cycle_id: string;
            readonly vendor_id: string;
            readonly amount: components["schemas"]["Money"];
            readonly reversed: components["schemas"]["Money"];
            /** @enum {string} */
            readonly status: "pending" | "transferred" | "failed";
            readonly stripe_account_id: string;
            readonly transfer_group: string;
            readonly source_transaction: string | null;
            readonly stripe_transfer_id: string | null;
            readonly failure_reason: string;
            /** Format: date-time */
            readonly transferred_at: string | null;
            readonly xero_bill_number: string;
            readonly xero_bill_status: string;
            /** Format: date-time */
            readonly created_at: string;
        };
        readonly PayoutDetail: {
            readonly payout: components["schemas"]["Payout"];
            readonly lines: readonly {
                readonly vendor_order_id: string;
                readonly order_id: string;
                readonly memo: string;
                readonly sales: components["schemas"]["Money"];
                readonly commission: components["schemas"]["Money"];
            }[] | null;
        };
        readonly PayoutAccountStatus: {
            readonly ready: boolean;
            readonly account: {
                readonly vendor_id: string;
                readonly stripe_account_id: string;
                readonly details_submitted: boolean;
                readonly payouts_enabled: boolean;
                readonly transfers_active: boolean;
                /** Format: date-time */
                readonly updated_at: string;
            } | null;
        };
        readonly PayoutRetry: {
            readonly payout_id: string;
            /** @enum {string} */
            readonly started: "transfer" | "bookkeeping";
        };
        readonly PayoutCycle: {
            readonly id: string;
            /** @enum {string} */
            readonly trigger: "schedule" | "manual";
            readonly occurrence: string | null;
            /** Format: date-time */
            readonly cutoff: string;
            readonly started_by: string;
            readonly payouts: number;
            readonly skipped: number;
            /** Format: date-time */
            readonly started_at: string;
            /** Format: date-time */
            readonly finished_at: string | null;
            readonly skips: readonly {
                readonly vendor_id: string;
                readonly balance: components["schemas"]["Money"];
                readonly reason: string;
            }[];
        };
        readonly XeroConnection: {
            /** @enum {string} */
            readonly status: "none" | "connected" | "choose_tenant" | "broken";
            readonly tenant_id: string;
            readonly tenant_name: string;
            readonly tenants: readonly {
                readonly id: string;
                readonly name: string;
            }[];
            readonly last_error: string;
            /** Format: date-time */
            readonly connected_at: string | null;
            /** Format: date-time */
            readonly refreshed_at: string | null;
        };
        readonly Reconciliation: {
            readonly payout_id: string;
            readonly cycle_id: string;
            readonly vendor_id: string;
            readonly currency: string;
            /** @description Minor units. */
            readonly ledger_total: number;
            readonly payout_net: number;
            readonly stripe_net: number | null;
            readonly xero_bill_net: number | null;
            readonly xero_paid_net: number | null;
            /** @enum {string} */
            readonly status: "reconciled" | "mismatch" | "incomplete" | "unchecked";
            readonly problems: string;
            /** Format: date-time */
            readonly checked_at: string;
        };
        readonly ReconciliationReport: {
            readonly payouts: number;
            readonly reconciled: number;
            readonly mismatched: number;
            readonly incomplete: number;
            readonly unchecked: number;
            readonly rows: readonly components["schemas"]["ReconciliationRow"][];
        };
        /** @description One payout in the report, its reconciliation with the payout's amount, transfer and bill. */
        readonly ReconciliationRow: components["schemas"]["Reconciliation"] & {
            readonly amount: components["schemas"]["Money"];
            readonly stripe_transfer_id: string | null;
            readonly xero_bill_number: string;
        };
        /** @description How many payouts were checked: with payout_id, that one's reconciliation; without, the report after checking every payout not reconciled yet. */
        readonly ReconciliationCheck: {
            readonly checked: number;
            readonly reconciliations?: readonly components["schemas"]["Reconciliation"][];
            readonly report?: components["schemas"]["ReconciliationReport"];
        };
        /**
         * @description pending: awaiting payment. Then forward only: accepted -> packed ->
         *     shipped -> delivered (steps may be skipped); cancelled from accepted or
         *     packed.
         * @enum {string}
         */
        readonly VendorOrderStatus: "pending" | "accepted" | "packed" | "shipped" | "delivered" | "cancelled";
        /** @description A vendor's part of an order, as the vendor packs it. The buyer's contact details are not in it. */
        readonly VendorOrder: {
            readonly id: string;
            readonly order_id: string;
            readonly vendor_id: string;
            readonly vendor_name: string;
            readonly status: components["schemas"]["VendorOrderStatus"];
            readonly subtotal: components["schemas"]["Money"];
            readonly refunded: components["schemas"]["Money"];
            readonly commission_bps: number;
            readonly recipient: components["schemas"]["Recipient"];
            readonly gift_message: string;
            /** Format: date */
            readonly delivery_date: string | null;
            readonly lines: readonly {
                readonly id: string;
                readonly variant_id: string;
                readonly sku: string;
                readonly title: string;
                readonly variant_title: string;
                readonly quantity: number;
                /** @description Units refunded; not to be packed. */
                readonly refunded_quantity: number;
                readonly unit_price: components["schemas"]["Money"];
                readonly amount: components["schemas"]["Money"];
            }[];
            readonly tracking: components["schemas"]["Tracking"];
            /** @description The order in the vendor's Shopify store, once handed off. */
            readonly shopify_order: {
                readonly id: string;
                readonly name: string;
            } | null;
            /** Format: date-time */
            readonly placed_at: string;
            /** Format: date-time */
            readonly accepted_at: string | null;
            /** Format: date-time */
            readonly handed_off_at: string | null;
            /** Format: date-time */
            readonly packed_at: string | null;
            /** Format: date-time */
            readonly shipped_at: string | null;
            /** Format: date-time */
            readonly delivered_at: string | null;
            /** Format: date-time */
            readonly cancelled_at: string | null;
            /** Format: date-time */
            readonly updated_at: string;
        };
        readonly VendorOrderPage: {
            readonly items: readonly components["schemas"]["VendorOrder"][];
            /** @description Null on the last page. */
            readonly next_cursor: string | null;
        };
        readonly FulfilmentUpdate: {
            /** @enum {string} */
            readonly status: "accepted" | "packed" | "shipped" | "delivered" | "cancelled";
            readonly tracking?: {
                readonly carrier?: string;
                readonly number?: string;
                /** @description http(s) */
                readonly url?: string;
            };
        };
        /** @description A short-lived link (a document, or a provider's page) that works until expires_at. */
        readonly Link: {
            readonly url: string;
            /** Format: date-time */
            readonly expires_at: string;
        };
        /** @description One PDF with the manifests of a day's open orders, and how many orders it holds. */
        readonly ManifestBatch: {
            readonly url: string;
            /** Format: date-time */
            readonly expires_at: string;
            readonly orders: number;
            /** Format: date */
            readonly date: string;
        };
        readonly Tracking: {
            readonly carrier: string;
            readonly number: string;
            readonly url: string;
        };
        /** @description Units of one order line to refund. */
        readonly LineRefund: {
            /** @description The order line's id (line_id in OrderRefunds.lines). */
            readonly line_id: string;
            readonly quantity: number;
        };
        /** @description Lines, or an amount, or neither (all that is left of the order). */
        readonly RefundRequest: {
            readonly amount?: components["schemas"]["PositiveMoneyIn"];
            readonly lines?: readonly components["schemas"]["LineRefund"][];
            /**
             * @description Put the refunded units back into stock (lines or the whole order only).
             * @default false
             */
            readonly restock?: boolean;
            readonly reason: string;
            /** @description Or the Idempotency-Key header. Per signed-in user: a retry with it answers the refund it made; another request with it is a 409. */
            readonly idempotency_key?: string;
        };
        readonly Refund: {
            /** @description rfd_…; also the Stripe refund's idempotency key and metadata.refund_id. */
            readonly id: string;
            readonly order_id: string;
            /** @description A vendor's refund, confined to this vendor order. */
            readonly vendor_order_id: string | null;
            /**
             * @description stripe: made outside Trove (Stripe's dashboard), recorded from its event. system: made by Trove itself for money it must not keep (a payment that arrived for an order that will not ship, refunded in full with no allocation; lines a subscription renewal could not send for want of stock).
             * @enum {string}
             */
            readonly source: "operator" | "vendor" | "stripe" | "system";
            /** @enum {string} */
            readonly kind: "order" | "lines" | "amount";
            /**
             * @description pending until Stripe answers (or while Stripe says pending). failed
             *     and canceled are final and hold no money: the counters (and any
             *     restock) were given back; failure_code says why (Stripe's code).
             * @enum {string}
             */
            readonly status: "pending" | "requires_action" | "succeeded" | "failed" | "canceled";
            readonly amount: components["schemas"]["Money"];
            readonly restock: boolean;
            readonly reason: string;
            readonly stripe_refund_id: string | null;
            /** @description Stripe's code when it refused or failed the refund (amount_too_large, charge_disputed, …). */
            readonly failure_code: string;
            /** @description Stripe's message. */
            readonly failure_reason: string;
            readonly requested_by: {
                /**
                 * @description stripe: made outside Trove (id is stripe). system: made by Trove itself (id is payments).
                 * @enum {string}
                 */
                readonly type: "user" | "stripe" | "system";
                readonly id: string;
                readonly vendor_id: string | null;
            };
            /** @description The split per vendor order and line; it sums to amount to the cent. */
            readonly allocation: readonly {
                /** @description rfa_…: one per refund and vendor order (what a ledger debit, transfer reversal or credit note happens once for). */
                readonly id: string;
                readonly vendor_order_id: string;
                readonly vendor_id: string;
                readonly amount: components["schemas"]["Money"];
                readonly lines: readonly {
                    readonly line_id: string;
                    readonly amount: components["schemas"]["Money"];
                    /** @description Units refunded; 0 for a refund of an amount. */
                    readonly quantity: number;
                }[];
            }[];
            /** Format: date-time */
            readonly created_at: string;
            /** Format: date-time */
            readonly updated_at: string;
            /** Format: date-time */
            readonly succeeded_at: string | null;
            /** Format: date-time */
            readonly failed_at: string | null;
        };
        /** @description An order's (or one vendor order's) refund position and refunds. */
        readonly OrderRefunds: {
            readonly order_id: string;
            /** @description Set when the view is one vendor order's. */
            readonly vendor_order_id: string | null;
            /** @enum {string} */
            readonly order_status: "pending_payment" | "payment_failed" | "paid" | "canceled" | "expired";
            readonly paid: components["schemas"]["Money"];
            readonly refunded: components["schemas"]["Money"];
            readonly refundable: components["schemas"]["Money"];
            readonly lines: readonly {
                readonly line_id: string;
                readonly line_no: number;
                readonly vendor_order_id: string;
                readonly vendor_id: string;
                readonly title: string;
                readonly variant_title: string;
                readonly sku: string;
                readonly quantity: number;
                readonly refunded_quantity: number;
                readonly amount: components["schemas"]["Money"];
                readonly refunded: components["schemas"]["Money"];
            }[];
            readonly refunds: readonly components["schemas"]["Refund"][];
        };
    };
    responses: {
        /** @description The vendor order as it now is. */
        readonly VendorOrder: {
            headers: {
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": components["schemas"]["VendorOrder"];
            };
        };
        /** @description A link anyone holding it can download with until expires_at; ask again for a fresh one. */
        readonly Link: {
            headers: {
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": components["schemas"]["Link"];
            };
        };
        /** @description How many objects the action touched. */
        readonly Count: {
            headers: {
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    readonly [key: string]: number;
                };
            };
        };
        /** @description An error, as RFC 9457 problem details. */
        readonly Problem: {
            headers: {
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Too many requests from this client; try again after Retry-After seconds. */
        readonly TooManyRequests: {
            headers: {
                /** @description Seconds to wait before trying again. */
                readonly "Retry-After": number;
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /**
         * @description Too many passwords are being checked or hashed at once (each takes
         *     64 MiB for a moment, so the server runs only a few at a time); this
         *     request waited and was not served. Nothing was counted or changed.
         */
        readonly PasswordChecksBusy: {
            headers: {
                /** @description Seconds to wait before trying again. */
                readonly "Retry-After": number;
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A page of products, newest first. */
        readonly CatalogProductPage: {
            headers: {
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    readonly products: readonly components["schemas"]["CatalogProduct"][];
                    /** @description Empty on the last page. */
                    readonly next_cursor: string;
                };
            };
        };
    };
    parameters: {
        readonly CartID: string;
        /**
         * @description A guest cart's token (the cart_token answered when the cart was made).
         *     Signed-in buyers need none for their own carts and orders.
         */
        readonly CartToken: string;
        /** @description Only products with this status. */
        readonly ProductStatusFilter: "active" | "draft" | "archived" | "deleted";
    };
    requestBodies: {
        readonly FulfilmentUpdate: {
            readonly content: {
                readonly "application/json": components["schemas"]["FulfilmentUpdate"];
            };
        };
    };
    headers: never;
    pathItems: never;
}
export type ShopifyConnection = components['schemas']['ShopifyConnection'];
export type Role = components['schemas']['Role'];
export type User = components['schemas']['User'];
export type Session = components['schemas']['Session'];
export type VendorStatus = components['schemas']['VendorStatus'];
export type Vendor = components['schemas']['Vendor'];
export type Member = components['schemas']['Member'];
export type InviteRequest = components['schemas']['InviteRequest'];
export type Invite = components['schemas']['Invite'];
export type AuditEntry = components['schemas']['AuditEntry'];
export type Status = components['schemas']['Status'];
export type DeadJob = components['schemas']['DeadJob'];
export type Problem = components['schemas']['Problem'];
export type Money = components['schemas']['Money'];
export type MoneyIn = components['schemas']['MoneyIn'];
export type PositiveMoneyIn = components['schemas']['PositiveMoneyIn'];
export type SignedMoneyIn = components['schemas']['SignedMoneyIn'];
export type Category = components['schemas']['Category'];
export type StoreVendor = components['schemas']['StoreVendor'];
export type StoreProduct = components['schemas']['StoreProduct'];
export type StoreProductPage = components['schemas']['StoreProductPage'];
export type StoreVariant = components['schemas']['StoreVariant'];
export type StoreBundle = components['schemas']['StoreBundle'];
export type CatalogProduct = components['schemas']['CatalogProduct'];
export type CatalogVariant = components['schemas']['CatalogVariant'];
export type ReasonRequest = components['schemas']['ReasonRequest'];
export type BundleItemInput = components['schemas']['BundleItemInput'];
export type Bundle = components['schemas']['Bundle'];
export type SubscribeInput = components['schemas']['SubscribeInput'];
export type Subscription = components['schemas']['Subscription'];
export type Recipient = components['schemas']['Recipient'];
export type RecipientInput = components['schemas']['RecipientInput'];
export type CartProblem = components['schemas']['CartProblem'];
export type CartLine = components['schemas']['CartLine'];
export type Cart = components['schemas']['Cart'];
export type CartCreated = components['schemas']['CartCreated'];
export type CartPatch = components['schemas']['CartPatch'];
export type CartLineInput = components['schemas']['CartLineInput'];
export type CartLinePatch = components['schemas']['CartLinePatch'];
export type CheckoutRequest = components['schemas']['CheckoutRequest'];
export type CheckoutResult = components['schemas']['CheckoutResult'];
export type CheckoutPayment = components['schemas']['CheckoutPayment'];
export type Order = components['schemas']['Order'];
export type Balance = components['schemas']['Balance'];
export type LedgerEntry = components['schemas']['LedgerEntry'];
export type OrderEarnings = components['schemas']['OrderEarnings'];
export type Payout = components['schemas']['Payout'];
export type PayoutDetail = components['schemas']['PayoutDetail'];
export type PayoutAccountStatus = components['schemas']['PayoutAccountStatus'];
export type PayoutRetry = components['schemas']['PayoutRetry'];
export type PayoutCycle = components['schemas']['PayoutCycle'];
export type XeroConnection = components['schemas']['XeroConnection'];
export type Reconciliation = components['schemas']['Reconciliation'];
export type ReconciliationReport = components['schemas']['ReconciliationReport'];
export type ReconciliationRow = components['schemas']['ReconciliationRow'];
export type ReconciliationCheck = components['schemas']['ReconciliationCheck'];
export type VendorOrderStatus = components['schemas']['VendorOrderStatus'];
export type VendorOrder = components['schemas']['VendorOrder'];
export type VendorOrderPage = components['schemas']['VendorOrderPage'];
export type FulfilmentUpdate = components['schemas']['FulfilmentUpdate'];
export type Link = components['schemas']['Link'];
export type ManifestBatch = components['schemas']['ManifestBatch'];
export type Tracking = components['schemas']['Tracking'];
export type LineRefund = components['schemas']['LineRefund'];
export type RefundRequest = components['schemas']['RefundRequest'];
export type Refund = components['schemas']['Refund'];
export type OrderRefunds = components['schemas']['OrderRefunds'];
export type ResponseVendorOrder = components['responses']['VendorOrder'];
export type ResponseLink = components['responses']['Link'];
export type ResponseCount = components['responses']['Count'];
export type ResponseProblem = components['responses']['Problem'];
export type ResponseTooManyRequests = components['responses']['TooManyRequests'];
export type ResponsePasswordChecksBusy = components['responses']['PasswordChecksBusy'];
export type ResponseCatalogProductPage = components['responses']['CatalogProductPage'];
export type ParameterCartId = components['parameters']['CartID'];
export type ParameterCartToken = components['parameters']['CartToken'];
export type ParameterProductStatusFilter = components['parameters']['ProductStatusFilter'];
export type RequestBodyFulfilmentUpdate = components['requestBodies']['FulfilmentUpdate'];
export type $defs = Record<string, never>;
export interface operations {
    readonly getHealthz: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The process is up. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Status"];
                };
            };
        };
    };
    readonly getReadyz: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description Ready to serve. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Status"];
                };
            };
            readonly 503: components["responses"]["Problem"];
        };
    };
    readonly getMetrics: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description Prometheus text exposition format. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "text/plain": string;
                };
            };
            /**
             * @description Metrics have a listener of their own (TROVE_METRICS_ADDR is set):
             *     this one does not serve them.
             */
            readonly 404: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    readonly login: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly email: string;
                    /** @description At most 1024 bytes. */
                    readonly password: string;
                    /**
                     * @description Where the tokens go. Absent or empty means cookie.
                     * @default cookie
                     * @enum {string}
                     */
                    readonly mode?: "cookie" | "bearer";
                };
            };
        };
        readonly responses: {
            /** @description Signed in. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Session"] & {
                        readonly user: components["schemas"]["User"];
                    };
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            /** @description Too many sign-in attempts for this account or client address. */
            readonly 429: {
                headers: {
                    /** @description Seconds until the lock ends. */
                    readonly "Retry-After": number;
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/problem+json": components["schemas"]["Problem"];
                };
            };
            readonly 503: components["responses"]["PasswordChecksBusy"];
        };
    };
    readonly refreshSession: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /** @description Cookie mode only; the session's CSRF token. */
                readonly "X-CSRF-Token"?: string;
            };
            readonly path?: never;
            readonly cookie?: {
                /** @description Cookie mode only; the refresh token set at sign-in (__Secure-trove_refresh over https). */
                readonly trove_refresh?: string;
            };
        };
        readonly requestBody?: {
            readonly content: {
                readonly "application/json": {
                    /** @description Bearer mode. Absent or empty means cookie mode. */
                    readonly refresh_token?: string;
                };
            };
        };
        readonly responses: {
            /** @description New tokens (in the same mode as the request). */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Session"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly signup: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly email: string;
                    /** @description 12 characters to 1024 bytes. */
                    readonly password: string;
                    readonly name?: string;
                };
            };
        };
        readonly responses: {
            /** @description The new account (role buyer). */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["User"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 503: components["responses"]["PasswordChecksBusy"];
        };
    };
    readonly requestPasswordReset: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly email: string;
                };
            };
        };
        readonly responses: {
            /** @description Accepted; a link is mailed if the address has an account. */
            readonly 202: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly status: string;
                    };
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 429: components["responses"]["TooManyRequests"];
        };
    };
    readonly confirmPasswordReset: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly token: string;
                    /** @description 12 characters to 1024 bytes. */
                    readonly password: string;
                };
            };
        };
        readonly responses: {
            /** @description The password is changed. */
            readonly 204: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content?: never;
            };
            readonly 400: components["responses"]["Problem"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 503: components["responses"]["PasswordChecksBusy"];
        };
    };
    readonly acceptInvite: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly token: string;
                    readonly name?: string;
                    /** @description 12 characters to 1024 bytes. */
                    readonly password: string;
                };
            };
        };
        readonly responses: {
            /** @description The new account, on the invite's vendor with the invite's role. */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["User"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 503: components["responses"]["PasswordChecksBusy"];
        };
    };
    readonly getMe: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The signed-in user. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["User"];
                };
            };
            readonly 401: components["responses"]["Problem"];
        };
    };
    readonly logout: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description Signed out. */
            readonly 204: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content?: never;
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly logoutEverywhere: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description Signed out everywhere. */
            readonly 204: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content?: never;
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly getOwnVendor: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The vendor of the caller's session. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Vendor"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly updateOwnVendor: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly name?: string | null;
                    readonly contact_email?: string | null;
                };
            };
        };
        readonly responses: {
            /** @description The vendor after the change. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Vendor"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly getOwnTeam: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description Members (disabled ones included), then unexpired pending invites, oldest first. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly members: readonly components["schemas"]["Member"][];
                        readonly invites: readonly components["schemas"]["Invite"][];
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly inviteToOwnTeam: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": components["schemas"]["InviteRequest"];
            };
        };
        readonly responses: {
            /** @description The pending invite. */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Invite"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly revokeInvite: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly inviteID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The invite is revoked. */
            readonly 204: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content?: never;
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly removeMember: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly userID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The member is removed (or already was). */
            readonly 204: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content?: never;
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly setMemberRole: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly userID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    /** @enum {string} */
                    readonly role: "vendor_owner" | "vendor_staff";
                };
            };
        };
        readonly responses: {
            /** @description The member has the role (unchanged if they had it already). */
            readonly 204: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content?: never;
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly listVendors: {
        readonly parameters: {
            readonly query?: {
                /** @description Only vendors with this status. Any other value matches none. */
                readonly status?: components["schemas"]["VendorStatus"];
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The vendors. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly vendors: readonly components["schemas"]["Vendor"][];
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly createVendor: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly slug: string;
                    readonly name: string;
                    readonly contact_email: string;
                    /** @default 0 */
                    readonly commission_bps?: number;
                    /** @default USD */
                    readonly currency?: string;
                };
            };
        };
        readonly responses: {
            /** @description The new vendor (status pending). */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Vendor"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly getVendor: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The vendor. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Vendor"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly updateVendor: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly name?: string | null;
                    readonly contact_email?: string | null;
                    readonly commission_bps?: number | null;
                    /** @enum {string|null} */
                    readonly status?: "pending" | "active" | "suspended" | null;
                };
            };
        };
        readonly responses: {
            /** @description The vendor after the change. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Vendor"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly inviteToVendorTeam: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": components["schemas"]["InviteRequest"];
            };
        };
        readonly responses: {
            /** @description The pending invite. */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Invite"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly listUsers: {
        readonly parameters: {
            readonly query?: {
                /** @description Only accounts with this role. Any other value matches none. */
                readonly role?: components["schemas"]["Role"];
                /** @description Only accounts of this vendor. */
                readonly vendor_id?: string;
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The accounts (disabled ones included). */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly users: readonly components["schemas"]["User"][];
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly disableUser: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly userID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The account is disabled (or already was). */
            readonly 204: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content?: never;
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly enableUser: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly userID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The account is enabled (or already was). */
            readonly 204: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content?: never;
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly queryAuditLog: {
        readonly parameters: {
            readonly query?: {
                readonly actor_id?: string;
                readonly vendor_id?: string;
                /** @description Such as vendor.updated. */
                readonly action?: string;
                readonly object_type?: string;
                readonly object_id?: string;
                /** @description RFC 3339; entries at or after it. */
                readonly since?: string;
                /** @description RFC 3339; entries before it. */
                readonly until?: string;
                /** @description Cursor: only entries with a smaller id (the last id of the previous page). */
                readonly before?: number;
                readonly limit?: number;
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description A page of entries. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly entries: readonly components["schemas"]["AuditEntry"][];
                    };
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly listDeadJobs: {
        readonly parameters: {
            readonly query?: {
                /** @description Only jobs of this kind. */
                readonly kind?: string;
                /** @description Cursor: next_after of the previous page. */
                readonly after?: string;
                readonly limit?: number;
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description A page of dead jobs. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly jobs: readonly components["schemas"]["DeadJob"][];
                        /** @description Empty on the last page. */
                        readonly next_after: string;
                    };
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly retryDeadJobsOfKind: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly kind: string;
                };
            };
        };
        readonly responses: {
            readonly 200: components["responses"]["Count"];
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly retryDeadJob: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly jobID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            readonly 200: components["responses"]["Count"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly discardDeadJob: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly jobID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly reason: string;
                };
            };
        };
        readonly responses: {
            readonly 200: components["responses"]["Count"];
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly redriveDeadLetterQueue: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            readonly 200: components["responses"]["Count"];
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly listCategories: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The categories, in display order. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly categories: readonly components["schemas"]["Category"][];
                    };
                };
            };
        };
    };
    readonly listStoreProducts: {
        readonly parameters: {
            readonly query?: {
                /** @description A category slug (GET /api/v1/store/categories); any other value is a 400. */
                readonly category?: string;
                /** @description A vendor's slug. */
                readonly vendor?: string;
                /** @description Only products priced in this currency. */
                readonly currency?: string;
                /** @description Minor units, inclusive: products with a live variant priced at least this (with in_stock, a variant that is also in stock). */
                readonly min_price?: number;
                /** @description Minor units, inclusive: products with a live variant priced at most this (the same variant as min_price's). */
                readonly max_price?: number;
                /** @description true: only products with a live variant in stock. */
                readonly in_stock?: boolean;
                /**
                 * @description Words to find in the title, the description and the tags (the
                 *     vendor's gifting tags and the Shopify tags), case and accent
                 *     insensitive. Every word must match, as the start of a word ("cand"
                 *     finds "candle"); words of one or two letters and common words such as
                 *     "for" must appear anywhere in the text. Punctuation is ignored.
                 */
                readonly q?: string;
                /** @description newest (most recently added to Trove first), price_asc and price_desc (by the lowest live variant price), title (A-Z). Ties are ordered by id. */
                readonly sort?: "newest" | "price_asc" | "price_desc" | "title";
                /** @description next_cursor of the previous page (opaque). */
                readonly cursor?: string;
                readonly limit?: number;
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description A page of products. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["StoreProductPage"];
                };
            };
            readonly 400: components["responses"]["Problem"];
        };
    };
    readonly getStoreProduct: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly productID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The product. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["StoreProduct"] & {
                        readonly variants: readonly components["schemas"]["StoreVariant"][];
                    };
                };
            };
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly listStoreBundles: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The bundles. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly bundles: readonly components["schemas"]["StoreBundle"][];
                    };
                };
            };
        };
    };
    readonly getStoreBundle: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                /** @description The bundle's id (bdl_…) or slug. */
                readonly bundleID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The bundle. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["StoreBundle"];
                };
            };
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly createCart: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The buyer's open cart, which existed. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["CartCreated"];
                };
            };
            /** @description A new cart (with cart_token for a guest). */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["CartCreated"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 429: components["responses"]["TooManyRequests"];
        };
    };
    readonly getCart: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /**
                 * @description A guest cart's token (the cart_token answered when the cart was made).
                 *     Signed-in buyers need none for their own carts and orders.
                 */
                readonly "X-Cart-Token"?: components["parameters"]["CartToken"];
            };
            readonly path: {
                readonly cartID: components["parameters"]["CartID"];
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The cart. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Cart"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly updateCart: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /**
                 * @description A guest cart's token (the cart_token answered when the cart was made).
                 *     Signed-in buyers need none for their own carts and orders.
                 */
                readonly "X-Cart-Token"?: components["parameters"]["CartToken"];
            };
            readonly path: {
                readonly cartID: components["parameters"]["CartID"];
            };
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": components["schemas"]["CartPatch"];
            };
        };
        readonly responses: {
            /** @description The cart. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Cart"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly addCartLine: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /**
                 * @description A guest cart's token (the cart_token answered when the cart was made).
                 *     Signed-in buyers need none for their own carts and orders.
                 */
                readonly "X-Cart-Token"?: components["parameters"]["CartToken"];
            };
            readonly path: {
                readonly cartID: components["parameters"]["CartID"];
            };
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": components["schemas"]["CartLineInput"];
            };
        };
        readonly responses: {
            /** @description The cart. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Cart"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly removeCartLine: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /**
                 * @description A guest cart's token (the cart_token answered when the cart was made).
                 *     Signed-in buyers need none for their own carts and orders.
                 */
                readonly "X-Cart-Token"?: components["parameters"]["CartToken"];
            };
            readonly path: {
                readonly cartID: components["parameters"]["CartID"];
                readonly lineID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The cart. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Cart"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly updateCartLine: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /**
                 * @description A guest cart's token (the cart_token answered when the cart was made).
                 *     Signed-in buyers need none for their own carts and orders.
                 */
                readonly "X-Cart-Token"?: components["parameters"]["CartToken"];
            };
            readonly path: {
                readonly cartID: components["parameters"]["CartID"];
                readonly lineID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": components["schemas"]["CartLinePatch"];
            };
        };
        readonly responses: {
            /** @description The cart. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Cart"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly checkout: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /**
                 * @description A guest cart's token (the cart_token answered when the cart was made).
                 *     Signed-in buyers need none for their own carts and orders.
                 */
                readonly "X-Cart-Token"?: components["parameters"]["CartToken"];
            };
            readonly path: {
                readonly cartID: components["parameters"]["CartID"];
            };
            readonly cookie?: never;
        };
        readonly requestBody?: {
            readonly content: {
                readonly "application/json": components["schemas"]["CheckoutRequest"];
            };
        };
        readonly responses: {
            /** @description The cart was checked out before; its order and payment. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["CheckoutResult"];
                };
            };
            /** @description The new order and its payment. */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["CheckoutResult"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
            readonly 503: components["responses"]["Problem"];
        };
    };
    readonly listOwnOrders: {
        readonly parameters: {
            readonly query?: {
                /** @description next_cursor of the previous page (opaque). */
                readonly cursor?: string;
                readonly limit?: number;
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description A page of orders. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly orders: readonly components["schemas"]["Order"][];
                        /** @description Empty on the last page. */
                        readonly next_cursor: string;
                    };
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly getOwnOrder: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /**
                 * @description A guest cart's token (the cart_token answered when the cart was made).
                 *     Signed-in buyers need none for their own carts and orders.
                 */
                readonly "X-Cart-Token"?: components["parameters"]["CartToken"];
            };
            readonly path: {
                readonly orderID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The order. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Order"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly listOwnSubscriptions: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The buyer's own plans (never another buyer's). */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly subscriptions: readonly components["schemas"]["Subscription"][];
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly subscribe: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": components["schemas"]["SubscribeInput"];
            };
        };
        readonly responses: {
            /** @description The plan, and the first invoice's payment when it awaits the buyer. */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly subscription: components["schemas"]["Subscription"];
                        readonly payment: {
                            readonly client_secret: string;
                        } | null;
                    };
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 503: components["responses"]["Problem"];
        };
    };
    readonly cancelSubscription: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly subscriptionID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The canceled plan. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly subscription: components["schemas"]["Subscription"];
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 503: components["responses"]["Problem"];
        };
    };
    readonly listOwnProducts: {
        readonly parameters: {
            readonly query?: {
                /** @description Only products with this status. */
                readonly status?: components["parameters"]["ProductStatusFilter"];
                readonly listed?: boolean;
                /** @description Hidden by an operator. */
                readonly hidden?: boolean;
                /** @description Title contains. */
                readonly q?: string;
                /** @description next_cursor of the previous page (opaque). */
                readonly cursor?: string;
                readonly limit?: number;
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            readonly 200: components["responses"]["CatalogProductPage"];
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly getOwnProduct: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly productID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The product. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["CatalogProduct"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly curateOwnProduct: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly productID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly listed?: boolean | null;
                    /** @description A category slug, or empty for none. */
                    readonly category?: string | null;
                    /** @description Replaces the gifting tags; each is trimmed and lower-cased, at most 40 characters. */
                    readonly gift_tags?: readonly string[] | null;
                    readonly gift_ready?: boolean | null;
                };
            };
        };
        readonly responses: {
            /** @description The product after the change. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["CatalogProduct"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly resyncOwnCatalog: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The sync is queued. */
            readonly 202: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        /** @enum {string} */
                        readonly status: "queued";
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly listProducts: {
        readonly parameters: {
            readonly query?: {
                readonly vendor_id?: string;
                /** @description Only products with this status. */
                readonly status?: components["parameters"]["ProductStatusFilter"];
                readonly listed?: boolean;
                /** @description Hidden by an operator. */
                readonly hidden?: boolean;
                /** @description Title contains. */
                readonly q?: string;
                /** @description next_cursor of the previous page (opaque). */
                readonly cursor?: string;
                readonly limit?: number;
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            readonly 200: components["responses"]["CatalogProductPage"];
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly getProduct: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly productID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The product. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["CatalogProduct"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly hideProduct: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly productID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: {
            readonly content: {
                readonly "application/json": components["schemas"]["ReasonRequest"];
            };
        };
        readonly responses: {
            /** @description The product after the change. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["CatalogProduct"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly unhideProduct: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly productID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: {
            readonly content: {
                readonly "application/json": components["schemas"]["ReasonRequest"];
            };
        };
        readonly responses: {
            /** @description The product after the change. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["CatalogProduct"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly listBundles: {
        readonly parameters: {
            readonly query?: {
                readonly status?: "active" | "archived";
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The bundles. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly bundles: readonly components["schemas"]["Bundle"][];
                    };
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly createBundle: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly slug: string;
                    readonly name: string;
                    readonly description?: string;
                    readonly image_url?: string;
                    readonly price: components["schemas"]["PositiveMoneyIn"];
                    readonly items: readonly components["schemas"]["BundleItemInput"][];
                };
            };
        };
        readonly responses: {
            /** @description The new bundle. */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Bundle"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly getBundle: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly bundleID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The bundle. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Bundle"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly updateBundle: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly bundleID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly slug?: string | null;
                    readonly name?: string | null;
                    readonly description?: string | null;
                    readonly image_url?: string | null;
                    readonly price?: components["schemas"]["PositiveMoneyIn"] | null;
                    /** @enum {string|null} */
                    readonly status?: "active" | "archived" | null;
                    readonly items?: readonly components["schemas"]["BundleItemInput"][] | null;
                };
            };
        };
        readonly responses: {
            /** @description The bundle after the change. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Bundle"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly getShopifyConnection: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The connection, or {"status":"not_connected"}. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["ShopifyConnection"] | {
                        /** @enum {string} */
                        readonly status: "not_connected";
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly connectShopify: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    /** @description The store's myshopify.com domain. */
                    readonly shop: string;
                };
            };
        };
        readonly responses: {
            /** @description Where to send the user to approve the app. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly authorize_url: string;
                    };
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly listShopifyConnections: {
        readonly parameters: {
            readonly query?: {
                readonly status?: "connected" | "broken" | "uninstalled";
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The connections. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly connections: readonly components["schemas"]["ShopifyConnection"][];
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly listOrderRefunds: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly orderID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The order's refunds. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["OrderRefunds"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly refundOrder: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /** @description The refund's idempotency key, if the body has none. */
                readonly "Idempotency-Key"?: string;
            };
            readonly path: {
                readonly orderID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": components["schemas"]["RefundRequest"];
            };
        };
        readonly responses: {
            /** @description A repeated request; the refund it made. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Refund"];
                };
            };
            /** @description The refund, pending until Stripe answers, and its allocation. */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Refund"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly listVendorOrders: {
        readonly parameters: {
            readonly query?: {
                /** @description accepted, packed, shipped, delivered, cancelled; comma-separated */
                readonly status?: string;
                readonly from?: string;
                readonly to?: string;
                readonly q?: string;
                readonly cursor?: string;
                readonly limit?: number;
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description A page of vendor orders. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["VendorOrderPage"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly getVendorOrder: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            readonly 200: components["responses"]["VendorOrder"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly updateVendorOrderFulfilment: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody: components["requestBodies"]["FulfilmentUpdate"];
        readonly responses: {
            readonly 200: components["responses"]["VendorOrder"];
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly getVendorOrderManifest: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            readonly 200: components["responses"]["Link"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly createManifestBatch: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    /** Format: date */
                    readonly date?: string;
                };
            };
        };
        readonly responses: {
            /** @description The batch. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["ManifestBatch"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly adminGetVendorOrder: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            readonly 200: components["responses"]["VendorOrder"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly adminUpdateVendorOrderFulfilment: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody: components["requestBodies"]["FulfilmentUpdate"];
        readonly responses: {
            readonly 200: components["responses"]["VendorOrder"];
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly adminGetVendorOrderManifest: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            readonly 200: components["responses"]["Link"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly listVendorOrderRefunds: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The vendor order's refunds. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["OrderRefunds"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly refundVendorOrder: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: {
                /** @description The refund's idempotency key, if the body has none. */
                readonly "Idempotency-Key"?: string;
            };
            readonly path: {
                readonly vendorOrderID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly lines: readonly components["schemas"]["LineRefund"][];
                    /** @default false */
                    readonly restock?: boolean;
                    readonly reason: string;
                    readonly idempotency_key?: string;
                };
            };
        };
        readonly responses: {
            /** @description A repeated request; the refund it made. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Refund"];
                };
            };
            /** @description The refund, pending until Stripe answers, and its allocation. */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Refund"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly getVendorBalance: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly balances: readonly components["schemas"]["Balance"][];
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly listVendorLedger: {
        readonly parameters: {
            readonly query?: {
                readonly kind?: "sale" | "commission" | "refund" | "refund_commission" | "adjustment" | "dispute" | "dispute_commission" | "transfer_reversal";
                readonly order_id?: string;
                readonly from?: string;
                readonly to?: string;
                readonly cursor?: string;
                readonly limit?: number;
                readonly format?: "json" | "csv";
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly items: readonly components["schemas"]["LedgerEntry"][];
                        readonly next_cursor: string | null;
                    };
                    readonly "text/csv": string;
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly listVendorOrderEarnings: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly orders: readonly components["schemas"]["OrderEarnings"][];
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly listVendorPayouts: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly payouts: readonly components["schemas"]["Payout"][];
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly getVendorPayout: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly payoutID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["PayoutDetail"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly getPayoutAccount: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["PayoutAccountStatus"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 503: components["responses"]["Problem"];
        };
    };
    readonly startPayoutOnboarding: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Link"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 503: components["responses"]["Problem"];
        };
    };
    readonly listPayoutCycles: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly cycles: readonly components["schemas"]["PayoutCycle"][];
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly runPayoutCycle: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The cycle, finished: its payouts' transfers are jobs. */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["PayoutCycle"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly listPayouts: {
        readonly parameters: {
            readonly query?: {
                readonly vendor_id?: string;
                readonly cycle_id?: string;
                readonly status?: "pending" | "transferred" | "failed";
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly payouts: readonly components["schemas"]["Payout"][];
                    };
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly getPayout: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly payoutID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["PayoutDetail"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly retryPayout: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly payoutID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description Started. */
            readonly 202: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["PayoutRetry"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly adjustLedger: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                readonly vendorID: string;
            };
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    /** @description Not zero; a larger correction is several adjustments. */
                    readonly amount: components["schemas"]["SignedMoneyIn"];
                    readonly reason: string;
                    readonly idempotency_key?: string;
                };
            };
        };
        readonly responses: {
            /** @description A repeated idempotency key; the entry it posted. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["LedgerEntry"];
                };
            };
            /** @description Posted. */
            readonly 201: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["LedgerEntry"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly getXeroConnection: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["XeroConnection"];
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly connectXero: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly authorize_url: string;
                    };
                };
            };
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly chooseXeroTenant: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly tenant_id: string;
                };
            };
        };
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["XeroConnection"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 409: components["responses"]["Problem"];
        };
    };
    readonly getReconciliation: {
        readonly parameters: {
            readonly query?: {
                readonly cycle_id?: string;
                readonly format?: "json" | "csv";
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["ReconciliationReport"];
                    readonly "text/csv": string;
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
        };
    };
    readonly checkReconciliation: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": {
                    readonly payout_id?: string;
                };
            };
        };
        readonly responses: {
            /** @description OK. */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["ReconciliationCheck"];
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 404: components["responses"]["Problem"];
        };
    };
    readonly xeroOAuthCallback: {
        readonly parameters: {
            readonly query?: {
                readonly code?: string;
                readonly state?: string;
                readonly error?: string;
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description Connected; back to /vendor/. */
            readonly 303: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content?: never;
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 503: components["responses"]["Problem"];
        };
    };
    readonly shopifyOAuthCallback: {
        readonly parameters: {
            readonly query: {
                readonly code: string;
                readonly hmac: string;
                readonly shop: string;
                readonly state: string;
                readonly timestamp: string;
                readonly host?: string;
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description Connected; back to /vendor/. */
            readonly 303: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content?: never;
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 403: components["responses"]["Problem"];
            readonly 503: components["responses"]["Problem"];
        };
    };
    readonly shopifyWebhook: {
        readonly parameters: {
            readonly query?: never;
            readonly header: {
                readonly "X-Shopify-Hmac-Sha256": string;
                readonly "X-Shopify-Topic": string;
                readonly "X-Shopify-Shop-Domain": string;
                readonly "X-Shopify-Event-Id"?: string;
                readonly "X-Shopify-Triggered-At": string;
            };
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": Record<string, never>;
            };
        };
        readonly responses: {
            /** @description Received (or received before). */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly received: boolean;
                        readonly duplicate: boolean;
                    };
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 401: components["responses"]["Problem"];
            readonly 413: components["responses"]["Problem"];
        };
    };
    readonly stripeWebhook: {
        readonly parameters: {
            readonly query?: never;
            readonly header: {
                readonly "Stripe-Signature": string;
            };
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": Record<string, never>;
            };
        };
        readonly responses: {
            /** @description Received (or received before). */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly received: boolean;
                        readonly duplicate: boolean;
                    };
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 413: components["responses"]["Problem"];
        };
    };
    readonly stripeConnectWebhook: {
        readonly parameters: {
            readonly query?: never;
            readonly header: {
                readonly "Stripe-Signature": string;
            };
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": Record<string, never>;
            };
        };
        readonly responses: {
            /** @description Received (or received before). */
            readonly 200: {
                headers: {
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": {
                        readonly received: boolean;
                        readonly duplicate: boolean;
                    };
                };
            };
            readonly 400: components["responses"]["Problem"];
            readonly 413: components["responses"]["Problem"];
        };
    };
}
