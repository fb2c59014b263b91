package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// newResetSecondFactorCommand is crvsctl users reset-second-factor: the operator's way back
// in when the only administrators lost their phones and their recovery codes.
func newResetSecondFactorCommand() *cobra.Command {
	var sf storeFlags
	cmd := &cobra.Command{
		Use:   "reset-second-factor USER",
		Short: "Remove a user's second factor (a lost phone): their sessions end",
		Long: `reset-second-factor removes the second factor (authenticator app and recovery codes) of a user
and ends their sessions. At their next login they log in with their password alone, or, if
their role requires a second factor (the package's twoFactor), enrol a new one first.
Administrators do the same from a user's page or the API; this is for the operator, with the
store at hand, when no administrator can log in.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := server.OpenStore(cmd.Context(), sf.data, sf.mongo)
			if err != nil {
				return err
			}
			defer st.Close()
			if _, err := st.User(cmd.Context(), args[0]); errors.Is(err, store.ErrNotFound) {
				return usageError{fmt.Errorf("%s is not a user of the store", args[0])}
			} else if err != nil {
				return err
			}
			had := true
			if err := st.DeleteSecondFactor(cmd.Context(), args[0]); errors.Is(err, store.ErrNotFound) {
				had = false
			} else if err != nil {
				return err
			}
			if err := st.DeleteSessions(cmd.Context(), args[0]); err != nil {
				return err
			}
			if had {
				fmt.Fprintf(cmd.OutOrStdout(), "second factor of %s removed; their sessions ended\n", args[0])
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "%s had no second factor; their sessions ended\n", args[0])
			}
			return nil
		},
	}
	sf.add(cmd)
	return cmd
}
