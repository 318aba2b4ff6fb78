package main

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ---------------------------------------------------------------------------
// Resource fakecloud_instance

type instanceResource struct{ cloud *cloud }

type instanceModel struct {
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	InstanceType types.String `tfsdk:"instance_type"`
	Tags         types.Map    `tfsdk:"tags"`
	Password     types.String `tfsdk:"password"`
	LastModified types.String `tfsdk:"last_modified"`
	Disk         []diskModel  `tfsdk:"disk"`
}

type diskModel struct {
	Size types.Int64  `tfsdk:"size"`
	Type types.String `tfsdk:"type"`
}

var (
	_ resource.ResourceWithConfigure   = &instanceResource{}
	_ resource.ResourceWithImportState = &instanceResource{}
)

func (r *instanceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_instance"
}

func (r *instanceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"instance_type": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString("small"),
			},
			"tags": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
			},
			"password": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
			},
			// No plan modifier on purpose: with no other change the framework
			// plans the prior (refreshed) value, so an out-of-band edit is
			// drift but not a planned change; when something else changes it
			// becomes unknown because Update sets a new timestamp.
			"last_modified": schema.StringAttribute{
				Computed: true,
			},
		},
		Blocks: map[string]schema.Block{
			"disk": schema.ListNestedBlock{
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"size": schema.Int64Attribute{Required: true},
						"type": schema.StringAttribute{Optional: true},
					},
				},
			},
		},
	}
}

func (r *instanceResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if c, ok := req.ProviderData.(*cloud); ok {
		r.cloud = c
	}
}

// toInstance converts a planned model to a cloud instance (without switches).
func (m *instanceModel) toInstance(ctx context.Context) (*instance, diag.Diagnostics) {
	inst := &instance{
		Name:         m.Name.ValueString(),
		InstanceType: m.InstanceType.ValueString(),
		Password:     m.Password.ValueStringPointer(),
		Disks:        []disk{},
	}
	var diags diag.Diagnostics
	if !m.Tags.IsNull() {
		inst.Tags = map[string]string{}
		diags = m.Tags.ElementsAs(ctx, &inst.Tags, false)
	}
	for _, d := range m.Disk {
		inst.Disks = append(inst.Disks, disk{Size: d.Size.ValueInt64(), Type: d.Type.ValueStringPointer()})
	}
	return inst, diags
}

// fromInstance builds the Terraform state of a cloud instance.
func fromInstance(ctx context.Context, id string, inst *instance) (instanceModel, diag.Diagnostics) {
	m := instanceModel{
		ID:           types.StringValue(id),
		Name:         types.StringValue(inst.Name),
		InstanceType: types.StringValue(inst.InstanceType),
		Password:     types.StringPointerValue(inst.Password),
		LastModified: types.StringValue(inst.LastModified),
		Tags:         types.MapNull(types.StringType),
		Disk:         []diskModel{}, // a block list is never null
	}
	var diags diag.Diagnostics
	if inst.Tags != nil {
		m.Tags, diags = types.MapValueFrom(ctx, types.StringType, inst.Tags)
	}
	for _, d := range inst.Disks {
		m.Disk = append(m.Disk, diskModel{Size: types.Int64Value(d.Size), Type: types.StringPointerValue(d.Type)})
	}
	return m, diags
}

func (r *instanceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan instanceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	inst, diags := plan.toInstance(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	inst.LastModified = now()
	id := newID()
	if err := r.cloud.update(func(st *cloudState) error {
		st.Instances[id] = inst
		return nil
	}); err != nil {
		resp.Diagnostics.AddError("fakecloud: create failed", err.Error())
		return
	}
	state, diags := fromInstance(ctx, id, inst)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *instanceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var prior instanceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := prior.ID.ValueString()
	st, err := r.cloud.snapshot()
	if err != nil {
		resp.Diagnostics.AddError("fakecloud: read failed", err.Error())
		return
	}
	inst := st.Instances[id]
	if err := misbehave(st, inst, "fakecloud_instance "+id); err != nil {
		resp.Diagnostics.AddError("fakecloud: read failed", err.Error())
		return
	}
	if inst == nil { // deleted out of band
		resp.State.RemoveResource(ctx)
		return
	}
	state, diags := fromInstance(ctx, id, inst)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *instanceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior instanceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	inst, diags := plan.toInstance(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	inst.LastModified = now()
	id := prior.ID.ValueString()
	if err := r.cloud.update(func(st *cloudState) error {
		old, ok := st.Instances[id]
		if !ok {
			return fmt.Errorf("instance %s does not exist", id)
		}
		inst.Crash, inst.Hang, inst.Error = old.Crash, old.Hang, old.Error // keep switches
		st.Instances[id] = inst
		return nil
	}); err != nil {
		resp.Diagnostics.AddError("fakecloud: update failed", err.Error())
		return
	}
	state, diags := fromInstance(ctx, id, inst)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *instanceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var prior instanceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.cloud.update(func(st *cloudState) error {
		delete(st.Instances, prior.ID.ValueString())
		return nil
	}); err != nil {
		resp.Diagnostics.AddError("fakecloud: delete failed", err.Error())
	}
}

func (r *instanceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

// ---------------------------------------------------------------------------
// Data source fakecloud_instance

type instanceDataSource struct{ cloud *cloud }

type instanceDataModel struct {
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	InstanceType types.String `tfsdk:"instance_type"`
	Tags         types.Map    `tfsdk:"tags"`
	LastModified types.String `tfsdk:"last_modified"`
}

var _ datasource.DataSourceWithConfigure = &instanceDataSource{}

func (d *instanceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_instance"
}

func (d *instanceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dschema.Schema{
		Description: "Looks up one instance by id or by name.",
		Attributes: map[string]dschema.Attribute{
			"id":            dschema.StringAttribute{Optional: true, Computed: true},
			"name":          dschema.StringAttribute{Optional: true, Computed: true},
			"instance_type": dschema.StringAttribute{Computed: true},
			"tags":          dschema.MapAttribute{Computed: true, ElementType: types.StringType},
			"last_modified": dschema.StringAttribute{Computed: true},
		},
	}
}

func (d *instanceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, _ *datasource.ConfigureResponse) {
	if c, ok := req.ProviderData.(*cloud); ok {
		d.cloud = c
	}
}

func (d *instanceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg instanceDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.ID.IsNull() == cfg.Name.IsNull() {
		resp.Diagnostics.AddError("fakecloud: bad lookup", `Set exactly one of "id" or "name".`)
		return
	}
	st, err := d.cloud.snapshot()
	if err != nil {
		resp.Diagnostics.AddError("fakecloud: read failed", err.Error())
		return
	}
	id := cfg.ID.ValueString()
	if cfg.ID.IsNull() {
		for k, v := range st.Instances {
			if v.Name == cfg.Name.ValueString() {
				if id != "" {
					resp.Diagnostics.AddError("fakecloud: bad lookup", "more than one instance is named "+v.Name)
					return
				}
				id = k
			}
		}
	}
	inst := st.Instances[id]
	if err := misbehave(st, inst, "data.fakecloud_instance "+id); err != nil {
		resp.Diagnostics.AddError("fakecloud: read failed", err.Error())
		return
	}
	if inst == nil {
		resp.Diagnostics.AddError("fakecloud: not found", fmt.Sprintf("no instance with id %q / name %q", cfg.ID.ValueString(), cfg.Name.ValueString()))
		return
	}
	out := instanceDataModel{
		ID:           types.StringValue(id),
		Name:         types.StringValue(inst.Name),
		InstanceType: types.StringValue(inst.InstanceType),
		LastModified: types.StringValue(inst.LastModified),
		Tags:         types.MapNull(types.StringType),
	}
	if inst.Tags != nil {
		var diags diag.Diagnostics
		out.Tags, diags = types.MapValueFrom(ctx, types.StringType, inst.Tags)
		resp.Diagnostics.Append(diags...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}
