// Package rules is the rule language of country packages: the conditions, validations and
// calculated values of forms and workflows.
//
// A rule is a CEL expression (parsed by cel.dev/cel-go) with our own types, functions and
// three-valued treatment of unanswered fields; LANGUAGE.md beside this file is its reference.
// The package has two halves that meet at the compiled form, a JSON tree of [Node]s:
//
//   - at build time, [Env.Check] parses an expression, checks it against the typed fields of a
//     form and compiles it to a Node tree; [BuildForm] puts a form's rules together, finds
//     dependency cycles and orders the fields for evaluation;
//   - at run time, [Compile] and [CompileForm] turn Node trees into Go closures that evaluate a
//     declaration with no parsing and no CEL, and rules/js/rules.js evaluates the very same
//     trees in the browser. Shared test vectors hold both evaluators to the same answers.
package rules
