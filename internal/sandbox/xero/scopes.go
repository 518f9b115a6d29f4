package xero

import (
	"net/http"
	"strings"
)

// The stand-in is a Xero app created after 2 March 2026: it may ask for the
// granular accounting scopes, and Xero refuses it the broad ones, which are
// withdrawn from every app by September 2027
// (developer.xero.com/documentation/guides/oauth2/scopes; Xero's
// announcement "Upcoming changes to Xero accounting API scopes").

// xeroScopes are the scopes the consent knows. Each accounting scope but the
// reports' also has a ".read" variant (GET only).
var xeroScopes = func() map[string]bool {
	m := map[string]bool{"openid": true, "profile": true, "email": true, "offline_access": true,
		"accounting.budgets.read": true, "accounting.journals.read": true}
	for _, s := range []string{"accounting.settings", "accounting.contacts", "accounting.invoices", "accounting.payments",
		"accounting.banktransactions", "accounting.manualjournals", "accounting.attachments",
		"payroll.employees", "payroll.payruns", "payroll.payslip", "payroll.timesheets", "payroll.settings",
		"files", "assets", "projects"} {
		m[s], m[s+".read"] = true, true
	}
	for _, r := range []string{"aged", "balancesheet", "banksummary", "budgetsummary", "executivesummary", "profitandloss",
		"trialbalance", "taxreports", "tenninetynine", "bankstatement"} {
		m["accounting.reports."+r+".read"] = true
	}
	return m
}()

// xeroDeprecatedScopes are the broad scopes an app created on or after
// 2 March 2026 is refused, with what replaces each.
var xeroDeprecatedScopes = map[string]string{
	"accounting.transactions":      "accounting.invoices, accounting.payments, accounting.banktransactions, accounting.manualjournals",
	"accounting.transactions.read": "their .read variants",
	"accounting.reports.read":      "accounting.reports.<report>.read",
}

// xeroScopeRefused says why the consent refuses scope s ("" if it does not).
func xeroScopeRefused(s string) string {
	if instead, ok := xeroDeprecatedScopes[s]; ok {
		return s + " is not available to apps created on or after 2 March 2026; ask for the granular scopes (" + instead + ")"
	}
	if !xeroScopes[s] {
		return "unknown scope " + s
	}
	return ""
}

// xeroScopeAllows reports whether a grant's scopes (space-separated) let a
// call of method reach an endpoint that needs scope: the scope itself, or
// for a GET its ".read" variant.
func xeroScopeAllows(granted, scope, method string) bool {
	for _, g := range strings.Fields(granted) {
		if g == scope || (method == http.MethodGet && g == scope+".read") {
			return true
		}
	}
	return false
}
